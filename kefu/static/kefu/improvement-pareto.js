// The month's Top-5 problems as a Pareto chart: bars of complaints, a line of the
// cumulative share (Apache ECharts, vendored).
(function () {
  "use strict";
  var el = document.getElementById("pareto-chart");
  var source = document.getElementById("pareto-chart-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data) return;
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 44, right: 44, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.problems },
    yAxis: [
      { type: "value", name: data.count_label, minInterval: 1 },
      { type: "value", name: "%", min: 0, max: 100 },
    ],
    series: [
      { name: data.count_label, type: "bar", barMaxWidth: 48, data: data.counts, color: "#2563eb" },
      {
        name: data.cumulative_label, type: "line", yAxisIndex: 1, data: data.cumulative,
        color: "#d97706", label: { show: true, formatter: "{c} %" },
      },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
