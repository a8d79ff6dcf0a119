// Human QA pages: the running manual score while a reviewer ticks items (the server
// computes the stored score the same way), and the appeal dialog.
(function () {
  "use strict";

  function preview(form) {
    const base = parseFloat(form.dataset.base || "100");
    const passLine = parseFloat(form.dataset.pass || "80");
    let total = base;
    let fatal = false;
    form.querySelectorAll(".rv-item").forEach(function (row) {
      const box = row.querySelector("input[type=checkbox]");
      row.classList.toggle("rv-applies", box.checked);
      if (!box.checked) return;
      if (row.dataset.fatal === "1") { fatal = true; return; }
      const input = row.querySelector("input[type=number]");
      const points = input ? parseFloat(input.value || "0") : 0;
      total += row.dataset.mode === "add" ? points : -points;
    });
    const score = fatal ? 0 : Math.round(Math.min(Math.max(total, 0), base) * 100) / 100;
    const out = document.querySelector("#manual-score .qa-score");
    if (out) {
      out.textContent = String(score);
      out.dataset.passed = String(!fatal && score >= passLine);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("review-form") || document.querySelector("form.rv-form");
    if (form && form.dataset.base) {
      form.addEventListener("input", function () { preview(form); });
      preview(form);
    }
    const dialog = document.getElementById("appeal-dialog");
    if (dialog) {
      document.querySelectorAll(".rv-appeal-btn").forEach(function (button) {
        button.addEventListener("click", function () {
          document.getElementById("appeal-item").value = button.dataset.item;
          document.getElementById("appeal-item-name").textContent = button.dataset.name;
          dialog.showModal();
          document.getElementById("id_reason").focus();
        });
      });
      dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
    }
  });
})();

// The queue's bulk assignment: "select all on this page" and the count of ticked rows.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const all = document.getElementById("bulk-select-all");
    if (!all) return;
    const rows = function () { return document.querySelectorAll("input.rv-bulk-row"); };
    const count = document.getElementById("bulk-count");
    function update() {
      const boxes = Array.from(rows());
      const ticked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      if (count) count.textContent = ticked ? (count.dataset.label || "✓") + " " + ticked : "";
    }
    all.addEventListener("change", function () {
      rows().forEach(function (b) { b.checked = all.checked; });
      update();
    });
    rows().forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
})();
