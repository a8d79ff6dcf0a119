// Workforce charts (Apache ECharts, vendored): the plan's forecast and requirement, the
// roster's cover and predicted service. Data arrive computed from the server
// (json_script); the script only draws them, one channel at a time.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var colours = { primary: "#1d4ed8", ok: "#047857", danger: "#c2410c", muted: "#9ca3af", warn: "#b45309" };

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chart(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el, null, { renderer: "svg" });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  function gaps(values) {
    return (values || []).map(function (v) { return v === null || v === undefined ? "-" : v; });
  }
  function base(labels) {
    return {
      animation: false,
      grid: { left: 48, right: 48, top: 36, bottom: 56 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      xAxis: { type: "category", data: labels },
    };
  }
  function switcher(draw, first) {
    var buttons = document.querySelectorAll(".wfm-channel-switch button");
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        buttons.forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
        draw(b.dataset.channel);
      });
    });
    if (first) draw(first);
  }

  var plan = read("plan-data");
  if (plan && plan.channels.length) {
    var forecast = chart("forecast-chart");
    var requirement = chart("requirement-chart");
    var t = plan.text;
    var week = plan.labels.length;
    var drawPlan = function (channel) {
      var c = plan.channels.filter(function (x) { return x.channel === channel; })[0];
      if (!c) return;
      // History (3 weeks) then the forecast week on one axis.
      var labels = c.history.map(function (_v, i) { return "−" + (3 - Math.floor(i / week)) + "w " + plan.labels[i % week].slice(6); })
        .concat(plan.labels);
      // null: no data there (after the history ends); the forecast then covers the gap.
      var dash = function (v) { return v === null || v === undefined ? "-" : v; };
      var history = c.history.map(dash).concat(plan.labels.map(function () { return "-"; }));
      var predicted = c.history.map(function (_v, i) { return dash((c.gap_forecast || [])[i]); }).concat(c.forecast);
      forecast.setOption(Object.assign(base(labels), {
        yAxis: { type: "value", name: t.forecast, min: 0 },
        series: [
          { name: t.history, type: "line", data: history, showSymbol: false, lineStyle: { width: 1 }, itemStyle: { color: colours.muted } },
          { name: t.forecast, type: "line", data: predicted, showSymbol: false, itemStyle: { color: colours.primary } },
        ],
      }), true);
      requirement.setOption(Object.assign(base(plan.labels), {
        yAxis: { type: "value", minInterval: 1, min: 0 },
        series: [
          { name: t.requirement, type: "line", step: "end", data: c.requirement, showSymbol: false, itemStyle: { color: colours.danger } },
          { name: t.raw, type: "line", step: "end", data: c.raw, showSymbol: false, lineStyle: { type: "dashed" }, itemStyle: { color: colours.warn } },
        ],
      }), true);
    };
    switcher(drawPlan, plan.channels[0].channel);
  }

  var roster = read("roster-data");
  if (roster && roster.channels.length) {
    var cover = chart("cover-chart");
    var service = chart("service-chart");
    var gapChart = chart("gap-chart");
    var rt = roster.text;
    var drawRoster = function (channel) {
      var c = roster.channels.filter(function (x) { return x.channel === channel; })[0];
      if (!c) return;
      cover.setOption(Object.assign(base(roster.labels), {
        yAxis: { type: "value", minInterval: 1, min: 0 },
        series: [
          { name: rt.scheduled, type: "bar", data: c.scheduled, barCategoryGap: 0, itemStyle: { color: "#93c5fd" } },
          { name: rt.requirement, type: "line", step: "end", data: c.requirement, showSymbol: false, itemStyle: { color: colours.primary } },
        ],
      }), true);
      // The gap as a heat-map, one row per day and one cell per half hour: 336 bars were
      // unreadable, a row per day shows at once which days and hours are short.
      var perDay = c.gap.length / rt.days.length;
      var hours = roster.labels.slice(0, perDay).map(function (l) { return l.slice(-5); });
      var cells = c.gap.map(function (g, i) { return [i % perDay, Math.floor(i / perDay), g > 0 ? g : 0]; });
      var most = Math.max.apply(null, c.gap.concat([1]));
      gapChart.setOption({
        animation: false,
        grid: { left: 72, right: 16, top: 8, bottom: 64 },
        tooltip: { formatter: function (p) { return rt.days[p.value[1]] + " " + hours[p.value[0]] + ": " + rt.gap_heatmap + " " + p.value[2]; } },
        xAxis: { type: "category", data: hours, splitArea: { show: true } },
        yAxis: { type: "category", data: rt.days, inverse: true },
        visualMap: { min: 0, max: most, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, inRange: { color: ["#f8fafc", "#fdba74", colours.danger] } },
        series: [{ name: rt.gap_heatmap, type: "heatmap", data: cells, emphasis: { itemStyle: { borderColor: "#111" } } }],
      }, true);
      var pct = function (v) { return Math.round(v * 100) + "%"; };
      var series = [
        { name: rt.predicted_over_30, type: "line", data: c.predicted_over_30, showSymbol: false, itemStyle: { color: colours.warn } },
        { name: rt.predicted_sl, type: "line", data: c.predicted_sl, showSymbol: false, lineStyle: { type: "dashed" }, itemStyle: { color: colours.ok } },
      ];
      if (c.actual_over_30) {
        series.push({ name: rt.actual_over_30, type: "scatter", data: gaps(c.actual_over_30), symbolSize: 4, itemStyle: { color: colours.danger } });
      }
      // the channel's own SLA target (24 h for e-mail): absent on rosters built before policies
      var known = function (values) { return values && values.some(function (v) { return v !== null; }); };
      if (known(c.predicted_over_target)) {
        series.push({ name: rt.predicted_over_target, type: "line", data: c.predicted_over_target, showSymbol: false, lineStyle: { type: "dotted" }, itemStyle: { color: "#7c3aed" } });
      }
      if (known(c.actual_over_target)) {
        series.push({ name: rt.actual_over_target, type: "scatter", data: gaps(c.actual_over_target), symbolSize: 4, symbol: "diamond", itemStyle: { color: "#7c3aed" } });
      }
      service.setOption(Object.assign(base(roster.labels), {
        yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: pct } },
        series: series,
      }), true);
    };
    switcher(drawRoster, roster.channels[0].channel);
  }
})();
