// The admin's settings editor: loads the site as the site file has it, edits the parts shown
// here, and saves the whole site in one PUT; the server checks it and answers with a reason.
(function () {
  "use strict";
  var site = null;
  function $(id) { return document.getElementById(id); }
  function cell(row, value, attrs) {
    var td = document.createElement("td"), input = document.createElement("input");
    input.value = value == null ? "" : value;
    Object.keys(attrs || {}).forEach(function (k) { input.setAttribute(k, attrs[k]); });
    td.appendChild(input); row.appendChild(td); return input;
  }
  function removeButton(row, onRemove) {
    var td = document.createElement("td"), b = document.createElement("button");
    b.type = "button"; b.className = "button remove"; b.textContent = "Xóa";
    b.addEventListener("click", function () { onRemove(); render(); });
    td.appendChild(b); row.appendChild(td);
  }
  function bind(input, obj, key, number) {
    input.addEventListener("input", function () {
      var v = input.value.trim();
      if (number) { if (v === "") delete obj[key]; else obj[key] = Number(v); }
      else obj[key] = input.value;
    });
  }

  function render() {
    $("notice").value = site.display.notice || "";
    var body = $("services").querySelector("tbody");
    body.innerHTML = "";
    site.services.forEach(function (s, i) {
      var tr = document.createElement("tr"); tr.dataset.code = s.code;
      bind(cell(tr, s.code, {"aria-label": "code"}), s, "code");
      bind(cell(tr, s.letter, {"aria-label": "letter", maxlength: 2}), s, "letter");
      bind(cell(tr, s.name_vi, {"aria-label": "name_vi"}), s, "name_vi");
      bind(cell(tr, s.name_en, {"aria-label": "name_en"}), s, "name_en");
      bind(cell(tr, s.description_vi, {"aria-label": "description_vi"}), s, "description_vi");
      bind(cell(tr, s.daily_cap, {"aria-label": "daily_cap", type: "number", min: 1}), s, "daily_cap", true);
      removeButton(tr, function () { site.services.splice(i, 1); });
      body.appendChild(tr);
    });
    body = $("counters").querySelector("tbody");
    body.innerHTML = "";
    site.counters.forEach(function (k, i) {
      var tr = document.createElement("tr"); tr.dataset.number = k.number;
      var num = cell(tr, k.number, {"aria-label": "number", type: "number", min: 1});
      bind(num, k, "number", true);
      bind(cell(tr, k.name, {"aria-label": "name"}), k, "name");
      var td = document.createElement("td"), box = document.createElement("div");
      box.className = "services-of";
      site.services.forEach(function (s) {
        var label = document.createElement("label"), check = document.createElement("input");
        check.type = "checkbox"; check.value = s.code; check.checked = k.services.indexOf(s.code) >= 0;
        check.addEventListener("change", function () {
          if (check.checked) k.services.push(s.code);
          else k.services = k.services.filter(function (c) { return c !== s.code; });
        });
        label.appendChild(check); label.appendChild(document.createTextNode(s.letter + " " + s.name_vi));
        box.appendChild(label);
      });
      td.appendChild(box); tr.appendChild(td);
      removeButton(tr, function () { site.counters.splice(i, 1); });
      body.appendChild(tr);
    });
    body = $("groups").querySelector("tbody");
    body.innerHTML = "";
    site.priority_groups.forEach(function (p, i) {
      var tr = document.createElement("tr"); tr.dataset.code = p.code;
      bind(cell(tr, p.code, {"aria-label": "code"}), p, "code");
      bind(cell(tr, p.name_vi, {"aria-label": "name_vi"}), p, "name_vi");
      bind(cell(tr, p.name_en, {"aria-label": "name_en"}), p, "name_en");
      removeButton(tr, function () { site.priority_groups.splice(i, 1); });
      body.appendChild(tr);
    });
    renderHours();
    site.ratings = site.ratings || {levels: [], reasons: []};
    ["levels", "reasons"].forEach(function (kind) {
      var rows = $(kind).querySelector("tbody");
      rows.innerHTML = "";
      site.ratings[kind].forEach(function (c, i) {
        var tr = document.createElement("tr"); tr.dataset.code = c.code;
        bind(cell(tr, c.code, {"aria-label": "code"}), c, "code");
        bind(cell(tr, c.vi, {"aria-label": "vi"}), c, "vi");
        bind(cell(tr, c.en, {"aria-label": "en"}), c, "en");
        removeButton(tr, function () { site.ratings[kind].splice(i, 1); });
        rows.appendChild(tr);
      });
    });
  }

  // [opening_hours] (docs/site-file.md): the common hours (open, close, lunch) and, per
  // weekday, "common" (the day is in `days`), "own" (the day's own spans: `sat = [...]`) or
  // "closed" (`sun = []`). The server checks what is saved against the site file's rules.
  var WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  var DEFAULT_DAYS = ["mon", "tue", "wed", "thu", "fri"];
  function weekdayRow(day) { return document.querySelector("#weekdays tr[data-day='" + day + "']"); }
  function renderHours() {
    var h = site.opening_hours || {};
    $("hours-open").value = h.open || "";
    $("hours-close").value = h.close || "";
    $("hours-lunch").value = h.lunch || "";
    var days = h.days || DEFAULT_DAYS;
    WEEKDAYS.forEach(function (day) {
      var row = weekdayRow(day), own = h[day];
      var mode = Array.isArray(own) ? (own.length ? "own" : "closed")
        : days.indexOf(day) >= 0 ? "common" : "closed";
      row.querySelector("select").value = mode;
      var spans = row.querySelector("input");
      spans.value = mode === "own" ? own.join(", ") : "";
      spans.disabled = mode !== "own";
    });
  }
  function hoursFromInputs() {
    var h = {}, days = [], own = false;
    [["open", "hours-open"], ["close", "hours-close"], ["lunch", "hours-lunch"]].forEach(function (f) {
      var v = $(f[1]).value.trim();
      if (v) h[f[0]] = v;
    });
    WEEKDAYS.forEach(function (day) {
      var row = weekdayRow(day), mode = row.querySelector("select").value, spans = row.querySelector("input");
      spans.disabled = mode !== "own";
      if (mode === "common") days.push(day);
      else if (mode === "closed") h[day] = [];
      else {
        h[day] = spans.value.split(/[,;]/).map(function (s) { return s.replace(/\s+/g, ""); })
          .filter(function (s) { return s; });
        own = true;
      }
    });
    h.days = days;
    // No hours at all: tickets at any hour of any day (no [opening_hours] table).
    if (!h.open && !h.close && !h.lunch && !own) delete site.opening_hours;
    else site.opening_hours = h;
  }

  function status(text, ok) {
    var s = $("status"); s.textContent = text; s.className = "status " + (ok ? "ok" : "bad"); s.hidden = false;
  }
  function load() {
    return fetch("/api/admin/site").then(function (r) { return r.json(); })
      .then(function (b) { site = b.site; render(); });
  }
  $("notice").addEventListener("input", function () { site.display.notice = $("notice").value; });
  $("add-service").addEventListener("click", function () {
    site.services.push({code: "", letter: "", name_vi: "", name_en: ""}); render();
  });
  $("add-counter").addEventListener("click", function () {
    var next = site.counters.reduce(function (m, k) { return Math.max(m, k.number); }, 0) + 1;
    site.counters.push({number: next, name: "Quầy " + next, services: []}); render();
  });
  $("add-group").addEventListener("click", function () {
    site.priority_groups.push({code: "", name_vi: "", name_en: ""}); render();
  });
  // Kept in `site` as typed, so a re-render (adding a row) does not lose them.
  ["hours-open", "hours-close", "hours-lunch"].forEach(function (id) {
    $(id).addEventListener("input", hoursFromInputs);
  });
  $("weekdays").addEventListener("input", hoursFromInputs);
  $("weekdays").addEventListener("change", hoursFromInputs);
  $("add-level").addEventListener("click", function () {
    site.ratings.levels.push({code: "", vi: "", en: ""}); render();
  });
  $("add-reason").addEventListener("click", function () {
    site.ratings.reasons.push({code: "", vi: "", en: ""}); render();
  });
  $("save").addEventListener("click", function () {
    fetch("/api/admin/site", {method: "PUT", headers: {"Content-Type": "application/json",
      "X-CSRF-Token": window.QMS_CSRF}, body: JSON.stringify({site: site})})
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        if (res[0]) { site = res[1].site; render(); status("Đã lưu. Saved — every screen is updated.", true); }
        else status(res[1].error.message + " — " + res[1].error.message_en, false);
      })
      .catch(function () { status("Không kết nối được máy chủ. Cannot reach the server.", false); });
  });
  window.__settings = {reload: load};
  load();
})();
