// Shared helpers of the KPI dashboards (Apache ECharts, vendored). Figures arrive
// computed and formatted from the server (json_script); the scripts only draw them.
(function () {
  "use strict";
  var charts = [];
  var M = (window.KefuMetrics = {
    colours: {
      primary: "#1d4ed8",
      ok: "#047857",
      danger: "#c2410c",
      warn: "#b45309",
      muted: "#9ca3af",
      series: ["#1d4ed8", "#059669", "#d97706", "#7c3aed", "#db2777"],
    },
  });

  // The parsed JSON of a json_script element (null when the page has none).
  M.data = function (id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  // An SVG chart without animation, resized with the window.
  M.init = function (el) {
    if (!el || typeof echarts === "undefined") return null;
    var chart = echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  };

  // A missing figure (null) is a gap in ECharts ("-"), never a zero.
  M.gaps = function (values) {
    return values.map(function (v) { return v === null || v === undefined ? "-" : v; });
  };

  // Axis labels by unit (the values themselves stay as the server sent them).
  M.axisLabel = function (unit) {
    if (unit === "rate") {
      return function (v) { return Math.round(v * 100) + "%"; };
    }
    return function (v) { return String(v); };
  };

  // Colour of a value judged against its target ("meets", "misses", "none").
  M.statusColour = function (status) {
    if (status === "meets") return M.colours.ok;
    if (status === "misses") return M.colours.danger;
    return M.colours.primary;
  };

  M.escape = function (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });

  // Selects marked data-autosubmit apply at once (the Show button still works without JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.submit();
    });
  });
})();
