/* Feidi industry opportunities: the density × PCI scatter from the #opp-data payload
   (json_script). Every word on the chart comes from the payload, translated by the server. */
(function () {
  "use strict";

  // The county and value pickers reload the page on change (the button stays for no-JS use).
  ["id_county", "id_value"].forEach(function (id) {
    var picker = document.getElementById(id);
    if (picker && picker.form) {
      picker.addEventListener("change", function () { picker.form.submit(); });
    }
  });

  var source = document.getElementById("opp-data");
  var node = document.getElementById("opp-chart");
  if (!source || !node || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var echarts = window.echarts;
  var labels = data.labels;
  var COLORS = { top: "#d4a017", other: "#6baed6", held: "#1f4e79" };
  var font = window.getComputedStyle(document.body).fontFamily;
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";

  // a point: [density, pci, cog, name, rank, rca]
  var maxGain = 0;
  data.series.forEach(function (s) {
    s.points.forEach(function (p) { if (p[2] > maxGain) { maxGain = p[2]; } });
  });
  function size(p, kind) {
    if (kind === "held" || maxGain <= 0) { return 7; }
    return 6 + 22 * Math.sqrt(p[2] / maxGain);
  }
  function fixed(x, digits) { return x === null ? "—" : Number(x).toFixed(digits); }

  var chart = echarts.init(node, null, { renderer: "canvas", locale: locale });
  // Browser tests and screenshots wait for data-ready="1".
  chart.on("finished", function () { node.dataset.ready = "1"; });
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    textStyle: { fontFamily: font },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 48, bottom: 32, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        var v = p.data;
        var lines = ["<b>" + echarts.format.encodeHTML(v[3]) + "</b>"];
        if (v[4] !== null) { lines.push(labels.rank + ": " + v[4]); }
        lines.push(labels.density + ": " + fixed(v[0], 3));
        lines.push(labels.pci + ": " + fixed(v[1], 2));
        if (p.seriesId === "held") {
          lines.push(labels.rca + ": " + fixed(v[5], 2));
        } else {
          lines.push(labels.cog + ": " + fixed(v[2], 2));
        }
        return lines.join("<br>");
      }
    },
    xAxis: { type: "value", name: data.x, nameLocation: "middle", nameGap: 26, scale: true },
    yAxis: { type: "value", name: data.y, scale: true },
    series: data.series.map(function (s, i) {
      var series = {
        id: s.kind,
        name: s.name,
        type: "scatter",
        data: s.points,
        z: s.kind === "top" ? 3 : (s.kind === "held" ? 2 : 1),
        symbolSize: function (p) { return size(p, s.kind); },
        itemStyle: { color: COLORS[s.kind], opacity: s.kind === "other" ? 0.55 : 0.9 }
      };
      if (i === 0 && data.eci !== null) {
        series.markLine = {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dashed", color: "#dc3545" },
          label: { formatter: data.eciLabel, position: "insideEndTop" },
          data: [{ yAxis: data.eci }]
        };
      }
      return series;
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
