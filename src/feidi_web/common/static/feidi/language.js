// The language switch returns to the page the user is looking at, filters and search included.
// The server writes that address (path and query string) into the form's hidden "next" field;
// pages that filter with htmx push a new address without reloading (hx-push-url), so the field
// follows the address bar here. set_language still refuses a "next" that leaves the site.
(function () {
  "use strict";

  function syncNext() {
    var form = document.getElementById("language-form");
    var next = form && form.querySelector('input[name="next"]');
    if (next) {
      next.value = window.location.pathname + window.location.search;
    }
  }

  ["htmx:pushedIntoHistory", "htmx:replacedInHistory", "htmx:historyRestore", "htmx:afterSettle"]
    .forEach(function (name) { document.addEventListener(name, syncNext); });
  window.addEventListener("popstate", syncNext);
  // and once more as the form leaves, whatever changed the address in between
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "language-form") {
      syncNext();
    }
  }, true);
})();
