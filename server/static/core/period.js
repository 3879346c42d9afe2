/* A report's period form (the site's /reports and the province's /hub/reports): the day field
 * or the from/to fields for the chosen kind of period, and the A4 print button. */
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  if (kind) {
    var sync = function () {
      var range = kind.value === "range";
      document.querySelectorAll(".range").forEach(function (el) { el.hidden = !range; });
      document.querySelectorAll(".one-day").forEach(function (el) { el.hidden = range; });
    };
    kind.addEventListener("change", sync);
    sync();
  }
  var print = document.getElementById("print");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
