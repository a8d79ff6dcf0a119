// Practice with simulated customers: the chat panel (Enter sends, the newest message in
// view after each HTMX swap) and the new hires' error-rate chart (ECharts, data from the
// page's json_script). The pages work without it (plain form posts, tables).
(function () {
  "use strict";

  function settle() {
    var chat = document.getElementById("tp-chat");
    if (chat) chat.scrollTop = chat.scrollHeight;
    var reply = document.getElementById("tp-reply");
    if (reply) reply.focus();
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (field.id !== "tp-reply" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (field.value.trim() && field.form) field.form.requestSubmit();
  });
  document.addEventListener("htmx:afterSwap", settle);

  function chart() {
    var el = document.getElementById("tp-rates-chart");
    var source = document.getElementById("tp-rates-data");
    if (!el || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var series = data.agents.map(function (a) {
      return { name: a.name, type: "line", data: a.data, connectNulls: true, symbolSize: 4,
               lineStyle: { width: 1, opacity: 0.35 }, itemStyle: { opacity: 0.5 } };
    });
    series.push({ name: data.labels.cohort, type: "line", data: data.cohort, connectNulls: true,
                  lineStyle: { width: 4 }, symbolSize: 8, z: 10,
                  markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed" },
                              data: [{ yAxis: 28 }, { yAxis: 5 }] } });
    var instance = window.echarts.init(el);
    instance.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + " %"; } },
      legend: { data: [data.labels.cohort], top: 0 },
      grid: { left: 50, right: 30, bottom: 40, top: 40 },
      xAxis: { type: "category", name: data.labels.week, nameLocation: "middle", nameGap: 28, data: data.weeks },
      yAxis: { type: "value", name: data.labels.rate, min: 0 },
      series: series,
    });
    window.addEventListener("resize", function () { instance.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () { settle(); chart(); });
})();
