// The knowledge figures page: freshness (median and mean hours, with the goal) and the
// link rate by month (Apache ECharts, vendored).
(function () {
  "use strict";
  var el = document.getElementById("freshness-chart");
  var source = document.getElementById("freshness-chart-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data) return;
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "h", min: 0 },
      { type: "value", name: "%", min: 0, max: 100 },
    ],
    series: [
      {
        name: data.labels.median, type: "line", data: data.median, color: "#2563eb", connectNulls: true,
        markLine: { symbol: "none", data: [{ yAxis: data.goal, name: data.labels.goal }],
                    lineStyle: { color: "#16a34a", type: "dashed" }, label: { formatter: data.labels.goal + " {c} h" } },
      },
      { name: data.labels.mean, type: "line", data: data.mean, color: "#93c5fd", connectNulls: true },
      { name: data.labels.link_rate, type: "bar", yAxisIndex: 1, barMaxWidth: 28, data: data.link_rate, color: "#fbbf24" },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
