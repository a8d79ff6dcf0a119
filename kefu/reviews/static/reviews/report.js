// The QA efficiency chart: reviews per month (bars), minutes per review and key
// problems per 100 reviews (lines). Data from the page (json_script).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const el = document.getElementById("rv-efficiency-chart");
    const source = document.getElementById("rv-efficiency-data");
    if (!el || !source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.reviews, data.labels.minutes, data.labels.problems] },
      grid: { left: 50, right: 60, bottom: 30, top: 40 },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", name: data.labels.reviews }, { type: "value", position: "right" }],
      series: [
        { name: data.labels.reviews, type: "bar", data: data.reviews, itemStyle: { color: "#9fb7e0" } },
        { name: data.labels.minutes, type: "line", yAxisIndex: 1, data: data.minutes, connectNulls: true },
        { name: data.labels.problems, type: "line", yAxisIndex: 1, data: data.problems, connectNulls: true },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
