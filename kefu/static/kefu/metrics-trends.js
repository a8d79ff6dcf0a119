// NPS and CSAT trends: monthly lines with improvement actions marked, and the
// quarter × team heat map of the change from the previous quarter.
(function () {
  "use strict";
  var M = window.KefuMetrics;
  if (!M || typeof echarts === "undefined") return;
  var esc = M.escape;

  var trend = M.data("trend-data");
  var trendEl = document.getElementById("trend-chart");
  if (trend && trendEl) {
    var chart = M.init(trendEl);
    var byKey = {};
    trend.series.forEach(function (s) { byKey[s.key] = s; });
    var nps = byKey.nps, mean = byKey.csat_mean, satisfied = byKey.csat_satisfied_rate;
    var flag = function (label) { return label.length > 12 ? label.slice(0, 11) + "…" : label; };
    var actionLines = function (labelled) {
      return {
        symbol: ["none", "none"],
        lineStyle: { color: M.colours.warn, type: "dashed" },
        label: labelled
          ? { position: "end", rotate: 0, color: M.colours.warn, formatter: function (p) { return "⚑ " + flag(p.data.label); } }
          : { show: false },
        tooltip: { formatter: function (p) { return esc(p.data.label); } },
        data: trend.markers.map(function (m) { return { xAxis: m.month, label: m.label }; }),
      };
    };
    var row = function (s, i) {
      return esc(s.name) + ": " + esc(s.text[i]);
    };
    chart.setOption({
      animation: false,
      color: [M.colours.primary, M.colours.ok, M.colours.series[3]],
      legend: { top: 0 },
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      tooltip: {
        trigger: "axis",
        formatter: function (p) {
          var i = p[0].dataIndex;
          return esc(trend.months[i]) + "<br>" + [nps, mean, satisfied].map(function (s) { return row(s, i); }).join("<br>");
        },
      },
      grid: [
        { left: 52, right: 56, top: 64, height: "30%" },
        { left: 52, right: 56, top: "58%", bottom: 28 },
      ],
      xAxis: [
        { type: "category", data: trend.months, gridIndex: 0, axisLabel: { show: false } },
        { type: "category", data: trend.months, gridIndex: 1 },
      ],
      yAxis: [
        { type: "value", gridIndex: 0, name: nps.name, scale: true },
        { type: "value", gridIndex: 1, name: mean.name, min: 1, max: 5 },
        { type: "value", gridIndex: 1, name: satisfied.name, min: 0, max: 1, position: "right", splitLine: { show: false }, axisLabel: { formatter: M.axisLabel("rate") } },
      ],
      series: [
        { name: nps.name, type: "line", xAxisIndex: 0, yAxisIndex: 0, data: M.gaps(nps.values), markLine: actionLines(true) },
        { name: mean.name, type: "line", xAxisIndex: 1, yAxisIndex: 1, data: M.gaps(mean.values), markLine: actionLines(false) },
        { name: satisfied.name, type: "line", xAxisIndex: 1, yAxisIndex: 2, data: M.gaps(satisfied.values), lineStyle: { type: "dotted" } },
      ],
    });
  }

  var heat = M.data("heatmap-data");
  var heatEl = document.getElementById("heatmap-chart");
  if (heat && heatEl && heat.teams.length) {
    heatEl.style.height = Math.max(260, heat.teams.length * 34 + 90) + "px";
    var heatChart = M.init(heatEl);
    var draw = function (key) {
      var metric = heat.metrics[key];
      var extent = metric.extent || 1;
      heatChart.setOption({
        animation: false,
        tooltip: {
          formatter: function (p) {
            var c = p.data;
            return esc(heat.teams[c.value[1]]) + " · " + esc(heat.quarters[c.value[0]]) + "<br>" +
              esc(metric.label) + ": " + esc(c.now) + " (" + esc(c.then) + ")<br>" +
              esc(heat.labels.change) + ": " + esc(c.change) +
              (c.url ? "<br><em>" + esc(heat.labels.open) + "</em>" : "");
          },
        },
        grid: { left: 96, right: 24, top: 12, bottom: 64 },
        xAxis: { type: "category", data: heat.quarters, splitArea: { show: true } },
        yAxis: { type: "category", data: heat.teams, inverse: true, splitArea: { show: true } },
        visualMap: {
          min: -extent,
          max: extent,
          calculable: false,
          orient: "horizontal",
          left: "center",
          bottom: 0,
          inRange: { color: ["#c2410c", "#fde8d7", "#f8fafc", "#d1fae5", "#047857"] },
          formatter: function () { return ""; },
        },
        series: [{
          type: "heatmap",
          data: metric.cells,
          label: { show: true, formatter: function (p) { return p.data.change === "—" ? "" : p.data.change; } },
          emphasis: { itemStyle: { borderColor: "#1f2937", borderWidth: 1 } },
        }],
      }, true);
    };
    // A cell opens what drove that team's change in that quarter.
    heatChart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    var radios = document.querySelectorAll("input[name='heatmap-key']");
    radios.forEach(function (radio) {
      radio.addEventListener("change", function () { if (radio.checked) draw(radio.value); });
    });
    var checked = document.querySelector("input[name='heatmap-key']:checked");
    draw(checked ? checked.value : Object.keys(heat.metrics)[0]);
  }
})();
