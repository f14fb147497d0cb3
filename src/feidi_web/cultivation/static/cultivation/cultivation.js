/* Feidi cultivation: the charts of the diagnoses page (#cultivation-data) and the services
   page (#outcomes-data), drawn from json_script payloads; every word comes from the server. */
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  var echarts = window.echarts;
  var font = window.getComputedStyle(document.body).fontFamily;
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";
  var TYPE_COLORS = ["#adb5bd", "#6baed6", "#1f4e79", "#f0ad4e"];

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = echarts.init(node, null, { renderer: "canvas", locale: locale });
    chart.on("finished", function () { node.dataset.ready = "1"; });
    chart.setOption(Object.assign({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontFamily: font },
      tooltip: {}
    }, option));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function payload(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var diag = payload("cultivation-data");
  if (diag) {
    draw("chart-types", {
      color: TYPE_COLORS,
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "70%"], data: diag.types,
                 label: { formatter: "{b}\n{c}" } }]
    });
    draw("chart-flags", {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: diag.flags.map(function (f) { return f.name; }) },
      series: [{ type: "bar", data: diag.flags.map(function (f) { return f.value; }),
                 itemStyle: { color: "#dc3545" }, label: { show: true, position: "right" } }]
    });
  }

  var out = payload("outcomes-data");
  if (out) {
    draw("chart-outcomes", {
      title: { text: out.title, textStyle: { fontSize: 14 } },
      legend: { top: 24 },
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 24, top: 64, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: out.services,
               axisLabel: { interval: 0, rotate: 20, width: 130, overflow: "truncate" } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      color: ["#1f4e79", "#adb5bd"],
      series: out.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
  }
})();
