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
