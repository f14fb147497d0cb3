/* Feidi pipeline: the funnel and the month-by-month chart from the #pipeline-data payload
   (json_script). Every word on a chart comes from the payload, translated by the server. */
(function () {
  "use strict";
  var source = document.getElementById("pipeline-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var echarts = window.echarts;
  var font = window.getComputedStyle(document.body).fontFamily;
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";
  var COLORS = ["#9ecae1", "#6baed6", "#3182bd", "#1f4e79", "#d4a017"];
  var charts = [];

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
    charts.push(chart);
  }

  draw("chart-funnel", {
    title: { text: data.funnel.title, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item", formatter: "{b}: {c}" },
    series: [{
      type: "funnel", sort: "none", top: 40, bottom: 8, left: "10%", width: "80%",
      minSize: "8%", gap: 2,
      label: { show: true, position: "inside", formatter: "{b} {c}", color: "#fff" },
      data: data.funnel.data.map(function (d, i) {
        return { name: d.name, value: d.value, itemStyle: { color: COLORS[i % COLORS.length] } };
      })
    }]
  });

  draw("chart-trend", {
    title: { text: data.trend.title, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { top: 24 },
    grid: { left: 8, right: 16, top: 64, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.trend.series.map(function (s, i) {
      return { name: s.name, type: s.type, data: s.data, smooth: s.type === "line",
               itemStyle: { color: ["#adb5bd", "#1f4e79", "#d4a017", "#dc3545"][i % 4] } };
    })
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
