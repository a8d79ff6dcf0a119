// Contacts per month by channel on the customer page (Apache ECharts, vendored).
(function () {
  "use strict";
  var el = document.getElementById("contacts-chart");
  var source = document.getElementById("contacts-chart-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  // Same order and colours as the channel labels in kefu.css: chat, phone, email, app.
  var colours = ["#2563eb", "#059669", "#7c3aed", "#d97706"];
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: colours,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 36, right: 12, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "contacts", barMaxWidth: 36, data: s.data };
    }),
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
