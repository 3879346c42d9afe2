/* The province report page: the day field or the from/to fields for the chosen period, and
 * printing on A4. */
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  function sync() {
    var range = kind.value === "range";
    document.querySelectorAll(".range").forEach(function (el) { el.hidden = !range; });
    document.querySelectorAll(".one-day").forEach(function (el) { el.hidden = range; });
  }
  kind.addEventListener("change", sync);
  sync();
  var print = document.getElementById("print");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
