// An agent's monthly FCR, first response time and CSAT satisfied share.
(function () {
  "use strict";
  var M = window.KefuMetrics;
  if (!M || typeof echarts === "undefined") return;
  var esc = M.escape;
  var trend = M.data("agent-trend-data");
  var el = document.getElementById("agent-trend-chart");
  if (!trend || !el) return;
  var chart = M.init(el);
  var secondsName = "";
  trend.series.forEach(function (s) { if (s.unit === "seconds") secondsName = s.name; });
  chart.setOption({
    animation: false,
    color: M.colours.series,
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: 28 },
    tooltip: {
      trigger: "axis",
      formatter: function (p) {
        var i = p[0].dataIndex;
        return esc(trend.months[i]) + "<br>" + trend.series.map(function (s) {
          return esc(s.name) + ": " + esc(s.text[i]);
        }).join("<br>");
      },
    },
    xAxis: { type: "category", data: trend.months },
    yAxis: [
      { type: "value", min: 0, max: 1, axisLabel: { formatter: M.axisLabel("rate") } },
      { type: "value", min: 0, name: secondsName, splitLine: { show: false } },
    ],
    series: trend.series.map(function (s) {
      return {
        name: s.name,
        type: "line",
        yAxisIndex: s.unit === "rate" ? 0 : 1,
        data: M.gaps(s.values),
        markLine: s.target === null ? undefined : {
          silent: true,
          symbol: "none",
          label: { show: false },
          lineStyle: { type: "dashed", opacity: 0.6 },
          data: [{ yAxis: s.target }],
        },
      };
    }),
  });
})();
