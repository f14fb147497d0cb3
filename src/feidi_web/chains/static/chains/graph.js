/* Feidi chains: one chain as a graph from the #chain-graph-data payload (json_script).
   Nodes stand in three columns (upstream → midstream → downstream), edges run supplier →
   customer; size is local firms, colour the strength class, a ring marks a node with gaps.
   Every word comes from the payload, translated by the server; clicking a node opens it. */
(function () {
  "use strict";
  var source = document.getElementById("chain-graph-data");
  var box = document.getElementById("chain-graph");
  if (!source || !box || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var echarts = window.echarts;
  var esc = echarts.format.encodeHTML;
  var font = window.getComputedStyle(document.body).fontFamily;
  var locale = (document.documentElement.lang || "").indexOf("en") === 0 ? "EN" : "ZH";
  // one colour per gap type, as the badges of chains.css
  var GAP_COLORS = {
    fill_blank: "#495057",
    shore_up: "#d63384",
    missing_upstream: "#6f42c1",
    missing_downstream: "#20c997",
    missing_technology: "#dc3545",
    forge_long: "#198754"
  };
  var top = Math.min.apply(null, data.nodes.map(function (n) { return n.y; }).concat([0]));

  var nodes = data.nodes.map(function (n) {
    var ring = n.gapTypes.length ? GAP_COLORS[n.gapTypes[0]] : "#ffffff";
    return {
      id: n.id,
      name: n.name,
      x: n.x,
      y: n.y,
      symbolSize: n.size,
      category: n.category,
      url: n.url,
      figures: n.figures,
      gaps: n.gaps,
      itemStyle: { borderColor: ring, borderWidth: n.gapTypes.length ? 4 : 1 },
      label: { formatter: n.gaps.length ? "{name|" + n.name + "}\n{gap|" + n.gaps.join(" · ") + "}"
                                         : "{name|" + n.name + "}" }
    };
  });
  // the column heads: points without a symbol, above each column
  data.columns.forEach(function (word, i) {
    nodes.push({
      id: "__column" + i, name: word, x: i * 400, y: top - 80, symbolSize: 1,
      itemStyle: { opacity: 0 }, silent: true, tooltip: { show: false },
      label: { position: "inside", formatter: "{head|" + word + "}" }
    });
  });

  function tooltip(p) {
    if (p.dataType !== "node" || !p.data.figures) { return ""; }
    var rows = p.data.figures.map(function (f) {
      return "<tr><td>" + esc(f[0]) + "</td><td style=\"text-align:right;padding-left:1em\">" +
        esc(f[1]) + "</td></tr>";
    }).join("");
    var gaps = p.data.gaps.length ? esc(data.gapsWord) + ": " + esc(p.data.gaps.join("、"))
                                  : esc(data.noGap);
    return "<strong>" + esc(p.data.name) + "</strong><table>" + rows + "</table>" + gaps +
      "<div style=\"color:#6c757d\">" + esc(data.clickHint) + "</div>";
  }

  var chart = echarts.init(box, null, { renderer: "canvas", locale: locale });
  // browser tests and screenshots wait for data-ready="1"
  chart.on("finished", function () { box.dataset.ready = "1"; });
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    textStyle: { fontFamily: font },
    legend: { top: 0, data: data.categories.map(function (c) { return c.name; }) },
    tooltip: { trigger: "item", formatter: tooltip, confine: true },
    series: [{
      type: "graph",
      layout: "none",
      roam: true,
      top: 56, bottom: 24, left: 24, right: 200,
      categories: data.categories.map(function (c) {
        return { name: c.name, itemStyle: { color: c.color } };
      }),
      data: nodes,
      links: data.edges.map(function (e) { return { source: e.source, target: e.target }; }),
      edgeSymbol: ["none", "arrow"],
      edgeSymbolSize: 8,
      lineStyle: { color: "#8c959d", opacity: 0.7, curveness: 0.12 },
      label: {
        show: true, position: "right",
        rich: {
          name: { fontSize: 12, color: "#212529" },
          gap: { fontSize: 11, color: "#b02a37" },
          head: { fontSize: 14, fontWeight: "bold", color: "#1f4e79" }
        }
      },
      emphasis: { focus: "adjacency", lineStyle: { width: 3 } }
    }]
  });
  chart.on("click", function (p) {
    if (p.dataType === "node" && p.data.url) { window.location.href = p.data.url; }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
