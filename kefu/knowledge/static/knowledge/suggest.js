/* Knowledge suggestions inside a conversation (一键调取).
   A slot `.knowledge-slot` loads /knowledge/conversations/<id>/suggest/ with htmx
   (hx-trigger "load, knowledge:refresh"); this script
   - refreshes the slot when a new customer message appears in its conversation's chat
     (the workspace adds them live), at most once a second;
   - "Insert" puts the article's snippet into the conversation's reply box at the cursor.
   The link button is a plain htmx form (the fragment comes back with "Linked"). */
(function () {
  "use strict";

  function replyBox(node) {
    const card = node.closest(".workspace-conv, [data-knowledge-reply]");
    return card ? card.querySelector("textarea") : null;
  }

  document.addEventListener("click", function (e) {
    const button = e.target.closest(".knowledge-insert");
    if (!button) return;
    const item = button.closest(".knowledge-suggestion");
    const template = item && item.querySelector("template.knowledge-snippet");
    const box = replyBox(button);
    if (!template || !box) return;
    const snippet = template.content.textContent.trim();
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + snippet + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + snippet.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    item.classList.add("inserted");
  });

  function watch(slot) {
    const card = slot.closest(".workspace-conv");
    const chat = card && card.querySelector(".chat");
    if (!chat || !window.htmx) return;
    let timer = null;
    new MutationObserver(function (records) {
      const customer = records.some(function (r) {
        return Array.from(r.addedNodes).some(function (n) {
          return n.classList && n.classList.contains("msg-customer");
        });
      });
      if (!customer || timer) return;
      timer = setTimeout(function () { timer = null; window.htmx.trigger(slot, "knowledge:refresh"); }, 1000);
    }).observe(chat, { childList: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".knowledge-slot").forEach(watch);
  });
})();
