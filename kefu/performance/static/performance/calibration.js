// The calibration meeting's charts (ECharts, data from the page's json_script): a box per
// team (computed and after calibration) and the histogram of all scores. The page works
// without them (the distribution table holds the same figures).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("pf-calibration-data");
    var boxEl = document.getElementById("pf-box-chart");
    var histEl = document.getElementById("pf-hist-chart");
    if (!source || !boxEl || !histEl || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    var box = window.echarts.init(boxEl);
    box.setOption({
      tooltip: { trigger: "item" },
      legend: { data: [labels.computed, labels.final], top: 0 },
      grid: { left: 50, right: 20, bottom: 60, top: 40 },
      xAxis: { type: "category", data: data.teams, axisLabel: { interval: 0, rotate: data.teams.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", name: labels.score, min: 0, max: 100 },
      series: [
        { name: labels.computed, type: "boxplot", data: data.computed, itemStyle: { color: "#e8efff", borderColor: "#9ca3af" } },
        { name: labels.final, type: "boxplot", data: data.final, itemStyle: { color: "#e4f7ef", borderColor: "#047857" } },
      ],
    });
    var hist = window.echarts.init(histEl);
    hist.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.computed, labels.final], top: 0 },
      grid: { left: 45, right: 20, bottom: 60, top: 40 },
      xAxis: { type: "category", data: data.bins, name: labels.score, nameLocation: "middle", nameGap: 40, axisLabel: { rotate: 45 } },
      yAxis: { type: "value", name: labels.agents, minInterval: 1 },
      series: [
        { name: labels.computed, type: "bar", data: data.computed_bins, itemStyle: { color: "#9ca3af" } },
        { name: labels.final, type: "bar", data: data.final_bins, itemStyle: { color: "#047857" } },
      ],
    });
    window.addEventListener("resize", function () { box.resize(); hist.resize(); });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
