// Teams and a team's agents: one bar per row of the table, coloured against its target.
(function () {
  "use strict";
  var M = window.KefuMetrics;
  if (!M || typeof echarts === "undefined") return;
  var esc = M.escape;
  var data = M.data("figure-chart-data");
  var el = document.getElementById("figure-chart");
  if (!data || !el || !data.names.length) return;
  el.style.height = Math.max(260, data.names.length * 28 + 60) + "px";
  var chart = M.init(el);
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 56, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        return esc(data.names[p.dataIndex]) + "<br>" + esc(data.label) + ": " + esc(data.text[p.dataIndex]);
      },
    },
    xAxis: { type: "value", min: 0, axisLabel: { formatter: M.axisLabel(data.unit) } },
    yAxis: { type: "category", data: data.names, inverse: true },
    series: [{
      type: "bar",
      barMaxWidth: 18,
      data: data.values.map(function (v, i) {
        return { value: v === null ? "-" : v, itemStyle: { color: M.statusColour(data.status[i]) } };
      }),
      label: { show: true, position: "right", formatter: function (p) { return data.text[p.dataIndex]; } },
    }],
  });
})();
