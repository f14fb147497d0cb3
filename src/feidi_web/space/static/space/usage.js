/* Feidi space utilisation: the occupancy heatmap (resource × hour of day) and the churn bars
   from the #usage-data payload (json_script). Every word comes from the payload, translated
   by the server. Cells without a value are hours the resource is closed. */
(function () {
  "use strict";
  var source = document.getElementById("usage-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var echarts = window.echarts;
  var font = window.getComputedStyle(document.body).fontFamily;
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";
  var charts = [];

  function draw(id, option, height) {
    var node = document.getElementById(id);
    if (!node) { return; }
    if (height) { node.style.height = height + "px"; }
    var chart = echarts.init(node, null, { renderer: "canvas", locale: locale });
    chart.on("finished", function () { node.dataset.ready = "1"; });
    chart.setOption(Object.assign({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontFamily: font }
    }, option));
    charts.push(chart);
  }

  if (data.resources.length) {
    draw("chart-heatmap", {
      tooltip: {
        position: "top",
        formatter: function (p) {
          return data.resources[p.value[1]] + " · " + data.hours[p.value[0]] + ": " + p.value[2] + " %";
        }
      },
      // closed hours have no cell: the grid's grey shows through them
      grid: { left: 8, right: 16, top: 16, bottom: 64, containLabel: true,
              show: true, backgroundColor: "#d3d6da", borderWidth: 0 },
      xAxis: { type: "category", data: data.hours },
      yAxis: { type: "category", data: data.resources, inverse: true },
      visualMap: {
        min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 8,
        inRange: { color: ["#f1f6fb", "#9ecae1", "#3182bd", "#1f4e79"] }
      },
      series: [{
        name: data.title, type: "heatmap", data: data.cells,
        itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
        label: { show: data.hours.length <= 16, formatter: function (p) { return Math.round(p.value[2]); } },
        emphasis: { itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,0.3)" } }
      }]
    }, Math.max(220, 90 + 30 * data.resources.length));
  }

  if (data.churn.months.length) {
    draw("chart-churn", {
      title: { text: data.churn.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 24 },
      grid: { left: 8, right: 16, top: 64, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.churn.months },
      yAxis: { type: "value", minInterval: 1 },
      series: data.churn.series.map(function (s, i) {
        return { name: s.name, type: "bar", data: s.data,
                 itemStyle: { color: ["#3182bd", "#dc3545", "#d4a017"][i % 3] } };
      })
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
