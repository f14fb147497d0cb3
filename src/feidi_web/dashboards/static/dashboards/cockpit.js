/* Feidi cockpit: draws the charts from the #cockpit-data payload (json_script).
   Every word on a chart comes from the payload, translated by the server. */
(function () {
  "use strict";

  // The rulebook picker reloads the page on change (the button stays for no-JS use).
  var picker = document.getElementById("id_rulebook");
  if (picker && picker.form) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }

  var source = document.getElementById("cockpit-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var echarts = window.echarts;

  var TIER_COLORS = {
    none: "#adb5bd",
    innovative: "#6baed6",
    specialized: "#1f4e79",
    little_giant: "#d4a017"
  };
  var FLOW_COLORS = { up: "#198754", down: "#dc3545", same: "#adb5bd" };
  var font = window.getComputedStyle(document.body).fontFamily;
  // ECharts' own words (the generated aria description) follow the page's language.
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";
  var charts = [];

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = echarts.init(node, null, { renderer: "canvas", locale: locale });
    // Browser tests and screenshots wait for data-ready="1".
    chart.on("finished", function () { node.dataset.ready = "1"; });
    chart.setOption(Object.assign({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontFamily: font },
      tooltip: {},
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true }
    }, option));
    charts.push(chart);
  }

  function tierSeries(series, extra) {
    return series.map(function (s) {
      return Object.assign({
        name: s.name,
        type: "bar",
        data: s.data,
        itemStyle: { color: TIER_COLORS[s.tier] }
      }, extra);
    });
  }

  function valueAxis() {
    return { type: "value", name: data.firmsAxis, minInterval: 1 };
  }

  var byYear = data.byYear;
  if (byYear) {
    draw("chart-by-year", {
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", name: byYear.axis, nameLocation: "middle", nameGap: 28,
               data: byYear.categories },
      yAxis: valueAxis(),
      grid: { left: 8, right: 16, top: 56, bottom: 32, containLabel: true },
      series: tierSeries(byYear.series, { label: { show: true, position: "top" } })
    });
  }

  var byTown = data.byTown;
  if (byTown) {
    var many = byTown.categories.length > 8;
    draw("chart-by-town", {
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: byTown.categories,
               axisLabel: { interval: 0, rotate: many ? 40 : 0 } },
      yAxis: valueAxis(),
      series: tierSeries(byTown.series, { stack: "town", emphasis: { focus: "series" } })
    });
  }

  var movement = data.movement;
  if (movement) {
    var labels = movement.labels;
    draw("chart-movement", {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.dataType === "edge") {
            return labels[p.data.source] + " → " + labels[p.data.target] + ": " + p.data.value;
          }
          return labels[p.name] + ": " + p.value;
        }
      },
      graphic: movement.links.length ? [
        { type: "text", left: 0, top: 0, style: { text: movement.before, fill: "#6c757d" } },
        { type: "text", right: 0, top: 0, style: { text: movement.after, fill: "#6c757d" } }
      ] : [
        { type: "text", left: "center", top: "middle",
          style: { text: movement.empty, fill: "#6c757d" } }
      ],
      series: [{
        type: "sankey",
        top: 28, bottom: 8, left: 8, right: 8,
        layoutIterations: 0,
        nodeGap: 12,
        emphasis: { focus: "adjacency" },
        label: { formatter: function (p) { return labels[p.name]; } },
        data: movement.nodes.map(function (n) {
          // the later run's column sits on the right: its labels go inside, to the left
          return { name: n.name, itemStyle: { color: TIER_COLORS[n.tier] },
                   label: { position: n.name.charAt(0) === "a" ? "left" : "right" } };
        }),
        links: movement.links.map(function (l) {
          return { source: l.source, target: l.target, value: l.value,
                   lineStyle: { color: FLOW_COLORS[l.kind], opacity: 0.45 } };
        })
      }]
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () {
      charts.forEach(function (c) { c.resize(); });
    }, 100);
  });
})();
