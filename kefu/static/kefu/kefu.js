// Small behaviours shared by every page (the pages also work without JavaScript).
(function () {
  "use strict";

  // The language switch returns to the current address, including filters that HTMX
  // pushed into the URL after the page was rendered.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("langswitch") && form.elements.next) {
      form.elements.next.value = window.location.pathname + window.location.search;
    }
  });

  // Behaviours declared in markup (the Content-Security-Policy allows no inline handlers):
  // <select data-autosubmit> submits its form on change; <button data-next="V"> puts V
  // into its form's `next` field before submitting.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-next]");
    if (button && button.form && button.form.elements.next) {
      button.form.elements.next.value = button.getAttribute("data-next");
    }
  });

  // Saving a view of the conversation list: the filters as they stand now (the list's
  // HTMX form updates the address, not the page around it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "saved-view-form" && form.elements.query) {
      form.elements.query.value = window.location.search.replace(/^\?/, "");
    }
  });

  // An expired session answers an HTMX request with the log-in page: show it as a
  // page instead of swapping it into the results table.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var url = event.detail.xhr && event.detail.xhr.responseURL;
    if (url && url.indexOf("/accounts/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(url);
    }
  });
})();
