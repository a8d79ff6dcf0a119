// QA pages (kefu.qa): the compliance trend, hits by month (by problem type or severity),
// the type x severity heat map. Figures arrive computed and labelled from the server
// (json_script); this only draws them with the vendored ECharts. Pages work without it.
(function () {
  "use strict";

  // Selects marked data-autosubmit apply at once (the Show button works without JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.submit();
    });
  });

  if (typeof echarts === "undefined") return;
  var colours = {
    primary: "#1d4ed8",
    ok: "#047857",
    muted: "#cbd5e1",
    series: ["#1d4ed8", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2"],
    severity: { minor: "#93c5fd", normal: "#f59e0b", severe: "#c2410c" },
  };
  var charts = [];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function init(el) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }
  function gaps(values) {
    return values.map(function (v) { return v === null || v === undefined ? "-" : v; });
  }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });

  // Compliance rate (left axis, %) and mean score (right axis) by month.
  var trend = data("qa-trend-data");
  var trendEl = document.getElementById("qa-trend-chart");
  if (trend && trendEl) {
    init(trendEl).setOption({
      animation: false,
      color: [colours.primary, colours.series[2], colours.muted],
      legend: { top: 0 },
      grid: { left: 52, right: 52, top: 40, bottom: 28 },
      tooltip: {
        trigger: "axis",
        formatter: function (p) {
          var i = p[0].dataIndex;
          return esc(trend.months[i]) + "<br>" +
            esc(trend.rate.name) + ": " + esc(trend.rate.text[i]) + "<br>" +
            esc(trend.mean.name) + ": " + esc(trend.mean.text[i]) + "<br>" +
            esc(trend.scored.name) + ": " + esc(trend.scored.values[i]);
        },
      },
      xAxis: { type: "category", data: trend.months },
      yAxis: [
        { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
        { type: "value", min: 0, max: 100, name: trend.mean.name, splitLine: { show: false } },
      ],
      series: [
        { name: trend.rate.name, type: "line", yAxisIndex: 0, data: gaps(trend.rate.values), symbolSize: 7 },
        { name: trend.mean.name, type: "line", yAxisIndex: 1, data: gaps(trend.mean.values), lineStyle: { type: "dashed" } },
      ],
    });
  }

  // Hits by month, stacked by problem type or by severity (the switch redraws).
  var freq = data("qa-frequency-data");
  var freqEl = document.getElementById("qa-frequency-chart");
  if (freq && freqEl) {
    var freqChart = init(freqEl);
    var draw = function (key) {
      var group = freq[key];
      freqChart.setOption({
        animation: false,
        color: key === "severity"
          ? group.series.map(function (s) { return colours.severity[s.key] || colours.primary; })
          : colours.series,
        legend: { top: 0 },
        grid: { left: 52, right: 16, top: 56, bottom: 28 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "category", data: freq.months },
        yAxis: { type: "value", minInterval: 1 },
        series: group.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "hits", data: s.values, emphasis: { focus: "series" } };
        }),
      }, true);
    };
    document.querySelectorAll("input[name='frequency-key']").forEach(function (radio) {
      radio.addEventListener("change", function () { if (radio.checked) draw(radio.value); });
    });
    var checked = document.querySelector("input[name='frequency-key']:checked");
    draw(checked ? checked.value : "type");
  }

  // Problem type x severity: hit counts of the period.
  var heat = data("qa-heatmap-data");
  var heatEl = document.getElementById("qa-heatmap-chart");
  if (heat && heatEl) {
    init(heatEl).setOption({
      animation: false,
      tooltip: {
        formatter: function (p) {
          return esc(heat.types[p.data[1]]) + " · " + esc(heat.severities[p.data[0]]) + ": " + esc(p.data[2]);
        },
      },
      grid: { left: 96, right: 24, top: 12, bottom: 64 },
      xAxis: { type: "category", data: heat.severities, splitArea: { show: true } },
      yAxis: { type: "category", data: heat.types, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: 0,
        max: Math.max(1, heat.max),
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        inRange: { color: ["#f8fafc", "#fde8d7", "#f59e0b", "#c2410c"] },
      },
      series: [{
        type: "heatmap",
        data: heat.cells,
        label: { show: true, formatter: function (p) { return p.data[2] ? String(p.data[2]) : ""; } },
        emphasis: { itemStyle: { borderColor: "#1f2937", borderWidth: 1 } },
      }],
    });
  }
})();
