// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Auto-submit filter forms (htmx does the request) when a select changes.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("form[data-autosubmit] select, form[data-autosubmit] input[type=checkbox]")) {
      var form = target.closest("form");
      if (form && window.htmx) { window.htmx.trigger(form, "submit"); }
    }
  });
})();
