/* Feidi policy applications: applications and amount granted by policy, town and chain
   (#applications-data, a json_script payload; every word comes from the server). */
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  var echarts = window.echarts;
  var node = document.getElementById("applications-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var font = window.getComputedStyle(document.body).fontFamily;
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";

  function draw(id, group) {
    var el = document.getElementById(id);
    if (!el || !group) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas", locale: locale });
    chart.on("finished", function () { el.dataset.ready = "1"; });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontFamily: font },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      color: ["#adb5bd", "#1f4e79"],
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      xAxis: [{ type: "value", minInterval: 1 }, { type: "value" }],
      yAxis: { type: "category", inverse: true, data: group.labels,
               axisLabel: { width: 120, overflow: "truncate" } },
      series: [
        { name: data.series[0], type: "bar", xAxisIndex: 0, data: group.applications },
        { name: data.series[1], type: "bar", xAxisIndex: 1, data: group.granted }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  draw("chart-policy", data.policy);
  draw("chart-town", data.town);
  draw("chart-chain", data.chain);
})();
