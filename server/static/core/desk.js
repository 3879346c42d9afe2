/* The desk pages' small helpers (base.html loads it with desk.css).
 *
 * Day fields (templates/day_field.html): the text says dd/mm/yyyy, as Vietnamese write it,
 * whatever the browser's locale; the button beside opens the browser's own calendar (a hidden
 * <input type="date">) and writes the chosen day back in that form. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function toIso(text) {
    var m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
    return m ? m[3] + "-" + pad(+m[2]) + "-" + pad(+m[1]) : "";
  }
  function written(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : "";
  }
  document.querySelectorAll(".day-field").forEach(function (field) {
    var text = field.querySelector("input[data-day]");
    var calendar = field.querySelector("input[type=date]");
    field.querySelector(".day-pick").addEventListener("click", function () {
      calendar.value = toIso(text.value);
      if (calendar.showPicker) { try { calendar.showPicker(); return; } catch (e) { /* below */ } }
      calendar.focus();
    });
    calendar.addEventListener("change", function () {
      if (calendar.value) text.value = written(calendar.value);
    });
  });
})();
