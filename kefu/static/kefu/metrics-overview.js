// KPI overview: sparklines of the cards, FRT per day, the radar, FCR by team.
(function () {
  "use strict";
  var M = window.KefuMetrics;
  if (!M || typeof echarts === "undefined") return;
  var esc = M.escape;

  // --- sparklines: one per card, all from one per-day series ---------------------------
  var spark = M.data("sparkline-data");
  if (spark) {
    document.querySelectorAll(".sparkline[data-key]").forEach(function (el) {
      var series = spark.series[el.dataset.key];
      if (!series) return;
      var chart = M.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        tooltip: {
          trigger: "axis",
          confine: true,
          formatter: function (p) {
            var i = p[0].dataIndex;
            return esc(spark.days[i]) + "<br>" + esc(series.text[i]);
          },
        },
        xAxis: { type: "category", show: false, data: spark.days, boundaryGap: false },
        yAxis: { type: "value", show: false, scale: true },
        series: [{
          type: "line",
          data: M.gaps(series.values),
          connectNulls: true, // a sketch of the trend: days without data are skipped
          showSymbol: false,
          lineStyle: { width: 1.5, color: M.colours.primary },
          areaStyle: { color: "rgba(29, 78, 216, 0.08)" },
        }],
      });
    });
  }

  // --- first response time per day, 30 s line, share over 30 s ------------------------
  var frt = M.data("frt-data");
  var frtEl = document.getElementById("frt-chart");
  if (frt && frtEl) {
    var frtChart = M.init(frtEl);
    var lines = [{ yAxis: frt.threshold, label: { formatter: frt.threshold_label, position: "insideEndTop" } }];
    frtChart.setOption({
      animation: false,
      color: [M.colours.primary, M.colours.warn, M.colours.danger],
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 36, bottom: 28 },
      tooltip: {
        trigger: "axis",
        formatter: function (p) {
          var i = p[0].dataIndex;
          return esc(frt.days[i]) + "<br>" + esc(frt.mean.name) + ": " + esc(frt.mean.text[i]) +
            "<br>" + esc(frt.over.name) + ": " + esc(frt.over.text[i]) +
            "<br>" + esc(frt.over_target.name) + ": " + esc(frt.over_target.text[i]);
        },
      },
      xAxis: {
        type: "category",
        data: frt.days,
        axisLabel: { formatter: function (d) { return d.slice(5); } },
      },
      yAxis: [
        { type: "value", name: frt.labels.seconds, min: 0 },
        { type: "value", name: frt.labels.share, min: 0, axisLabel: { formatter: M.axisLabel("rate") }, splitLine: { show: false } },
      ],
      series: [
        {
          name: frt.mean.name,
          type: "line",
          data: M.gaps(frt.mean.values),
          showSymbol: false,
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: M.colours.danger, type: "dashed" },
            data: lines,
          },
        },
        {
          name: frt.over.name,
          type: "bar",
          yAxisIndex: 1,
          barMaxWidth: 10,
          itemStyle: { opacity: 0.55 },
          data: M.gaps(frt.over.values),
        },
        {
          // each conversation judged by its own SLA target (e-mail: 24 h)
          name: frt.over_target.name,
          type: "line",
          yAxisIndex: 1,
          showSymbol: false,
          lineStyle: { width: 1.5, type: "dotted" },
          data: M.gaps(frt.over_target.values),
        },
      ],
    });
  }

  // --- radar: this period vs targets vs a benchmark set -------------------------------
  var radar = M.data("radar-data");
  var radarEl = document.getElementById("radar-chart");
  if (radar && radarEl) {
    var radarChart = M.init(radarEl);
    var select = document.getElementById("benchmark-select");
    var drawRadar = function (slug) {
      var chosen = radar.benchmarks.filter(function (b) { return b.slug === slug; })[0];
      var shown = [radar.period, radar.targets].concat(chosen ? [chosen] : []);
      radarChart.setOption({
        animation: false,
        color: [M.colours.primary, M.colours.ok, M.colours.warn],
        legend: { bottom: 0, data: shown.map(function (s) { return s.name; }) },
        tooltip: {
          trigger: "item",
          confine: true,
          formatter: function (p) {
            var s = shown[p.dataIndex];
            return "<strong>" + esc(s.name) + "</strong><br>" + radar.indicators.map(function (ind, i) {
              return esc(ind.name) + ": " + esc(s.text[i]);
            }).join("<br>");
          },
        },
        radar: { indicator: radar.indicators, radius: "62%", center: ["50%", "48%"], axisName: { color: "#4b5563" } },
        series: [{
          type: "radar",
          symbolSize: 4,
          data: shown.map(function (s, i) {
            return {
              name: s.name,
              value: M.gaps(s.scores),
              areaStyle: i === 0 ? { opacity: 0.15 } : undefined,
              lineStyle: i === 0 ? { width: 2 } : { type: "dashed" },
            };
          }),
        }],
      }, true);
    };
    drawRadar(radar.chosen);
    if (select) {
      select.addEventListener("change", function () {
        drawRadar(select.value);
        var url = new URL(window.location.href);
        url.searchParams.set("benchmark", select.value);
        window.history.replaceState(null, "", url);
      });
    }
  }

  // --- FCR by team: click a bar for the team's page -----------------------------------
  var teams = M.data("fcr-team-data");
  var teamEl = document.getElementById("fcr-team-chart");
  if (teams && teamEl && teams.bars.length) {
    var teamChart = M.init(teamEl);
    var names = teams.bars.map(function (b) { return b.name; });
    var open = function (index) {
      var bar = teams.bars[index];
      if (bar && bar.url) window.location.assign(bar.url);
    };
    teamChart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 24, bottom: 56 },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var bar = teams.bars[p.dataIndex];
          return esc(bar.name) + "<br>" + esc(teams.label) + ": " + esc(bar.text);
        },
      },
      xAxis: {
        type: "category",
        data: names,
        triggerEvent: true,
        axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 },
      },
      yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: M.axisLabel("rate") } },
      series: [{
        type: "bar",
        barMaxWidth: 40,
        cursor: "pointer",
        data: teams.bars.map(function (b) {
          return { value: b.value === null ? "-" : b.value, itemStyle: { color: M.statusColour(b.status) } };
        }),
        label: {
          show: true,
          position: "top",
          formatter: function (p) { return teams.bars[p.dataIndex].text; },
        },
        markLine: teams.target === null ? undefined : {
          silent: true,
          symbol: "none",
          lineStyle: { color: M.colours.muted, type: "dashed" },
          label: { formatter: teams.target_text, position: "insideEndTop" },
          data: [{ yAxis: teams.target }],
        },
      }],
    });
    teamChart.on("click", function (params) {
      if (params.componentType === "series") open(params.dataIndex);
      else if (params.componentType === "xAxis") open(names.indexOf(params.value));
    });
  }
})();
