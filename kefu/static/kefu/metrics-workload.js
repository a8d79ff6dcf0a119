// Workload: conversations per agent, sorted, coloured by the deviation from the team mean.
(function () {
  "use strict";
  var M = window.KefuMetrics;
  if (!M || typeof echarts === "undefined") return;
  var esc = M.escape;
  var data = M.data("workload-data");
  var el = document.getElementById("workload-chart");
  if (!data || !el || !data.rows.length) return;
  el.style.height = Math.max(260, data.rows.length * 20 + 60) + "px";
  var bands = { high: M.colours.danger, low: M.colours.primary, even: M.colours.ok, none: M.colours.muted };
  var chart = M.init(el);
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        var r = data.rows[p.dataIndex];
        return esc(r.name) + " " + esc(r.external_id) + (r.team ? " · " + esc(r.team) : "") + "<br>" +
          esc(data.labels.conversations) + ": " + esc(r.conversations_text) + "<br>" +
          esc(data.labels.share) + ": " + esc(r.share_text) + "<br>" +
          esc(data.labels.deviation) + ": " + esc(r.deviation_text) + "<br>" +
          esc(data.labels.aht) + ": " + esc(r.aht_text);
      },
    },
    xAxis: { type: "value", min: 0, minInterval: 1 },
    yAxis: {
      type: "category",
      inverse: true,
      data: data.rows.map(function (r) { return r.name; }),
      axisLabel: { interval: 0 },
    },
    series: [{
      type: "bar",
      barMaxWidth: 14,
      data: data.rows.map(function (r) {
        return { value: r.conversations, itemStyle: { color: bands[r.band] } };
      }),
    }],
  });
  chart.on("click", function (p) {
    var r = data.rows[p.dataIndex];
    if (r && r.url) window.location.assign(r.url + window.location.search);
  });
})();
