/* The public booking page (server/hub/booking_api.py): choose site, service, day, time;
 * book with a phone number (CCCD optional); show the code and its QR. Cancel or move by code. */
(function () {
  "use strict";
  var $ = QMS.$, el = QMS.el;
  // In full: an elderly reader does not decode "T3" (nor the "CN" of a Sunday).
  var DAYS = ["Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];
  var sites = [], chosen = { site: null, day: null, slot: null }, moving = { code: null, day: null, slot: null, site: null, service: null };

  function api(method, url, body) {
    var init = { method: method, headers: { "Accept": "application/json" } };
    if (body) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) {
          var e = new Error((data.error && data.error.message) || "Lỗi");
          e.en = (data.error && data.error.message_en) || "";
          e.data = data;
          throw e;
        }
        return data;
      });
    });
  }
  function dayText(day) {
    var p = day.split("-"), d = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
    return [DAYS[d.getUTCDay()], p[2] + "/" + p[1]];
  }
  function chip(main, small, onPick, disabled) {
    var b = el("button", "book-chip", main);
    b.type = "button"; b.setAttribute("role", "radio"); b.setAttribute("aria-checked", "false");
    if (small) b.appendChild(el("small", null, small));
    b.disabled = !!disabled;
    b.addEventListener("click", function () {
      Array.prototype.forEach.call(b.parentNode.children, function (c) { c.setAttribute("aria-checked", "false"); });
      b.setAttribute("aria-checked", "true");
      onPick();
    });
    return b;
  }
  function show(node, text, ok, en) {
    node.textContent = text || ""; node.hidden = !text;
    if (text && en) node.appendChild(el("span", "en", " · " + en));
    node.className = ok ? "book-ok" : "book-error";
  }
  function refused(node) { return function (e) { show(node, e.message, false, e.en); }; }

  function loadSlots(siteId, service, day, daysBox, slotsBox, state, onChange) {
    var url = "/api/book/sites/" + encodeURIComponent(siteId) + "/slots?service=" + encodeURIComponent(service) + (day ? "&day=" + day : "");
    return api("GET", url).then(function (data) {
      // The time already chosen stays chosen while it is still free (after a refused phone
      // number the citizen fixes the number, not the time as well).
      var kept = state.slot;
      state.day = data.day; state.slot = null;
      daysBox.textContent = "";
      data.days.forEach(function (d) {
        var t = dayText(d), c = chip(t[0], t[1], function () { loadSlots(siteId, service, d, daysBox, slotsBox, state, onChange); });
        if (d === data.day) c.setAttribute("aria-checked", "true");
        daysBox.appendChild(c);
      });
      slotsBox.textContent = "";
      data.slots.forEach(function (s) {
        var c = chip(s.time, s.free > 0 ? "còn " + s.free : "hết chỗ", function () { state.slot = s.start; onChange(); }, s.free <= 0);
        if (s.start === kept && s.free > 0) { state.slot = kept; c.setAttribute("aria-checked", "true"); }
        slotsBox.appendChild(c);
      });
      onChange(data);
      return data;
    });
  }

  function readyToBook() { $("submit").disabled = !(chosen.slot && $("phone").value.trim()); }
  function refreshSlots() {
    var site = chosen.site, service = $("service").value;
    if (!site || !service) return;
    loadSlots(site, service, chosen.day, $("days"), $("slots"), chosen, function (data) {
      if (data) $("no-slots").hidden = data.slots.length > 0;
      readyToBook();
    }).catch(refused($("error")));
  }
  function fillServices() {
    var site = sites.filter(function (s) { return s.id === chosen.site; })[0];
    $("service").textContent = "";
    (site ? site.services : []).forEach(function (s) {
      var o = el("option", null, s.name_vi); o.value = s.code; $("service").appendChild(o);
    });
    chosen.day = null; refreshSlots();
  }

  function book() {
    show($("error"), "");
    $("submit").disabled = true;
    api("POST", "/api/book", { site_id: chosen.site, service: $("service").value, slot_start: chosen.slot,
      phone: $("phone").value, cccd: $("cccd").value.trim() || null, notify: $("notify").checked })
      .then(function (b) {
        $("code").textContent = b.code;
        $("qr").src = b.qr;
        $("done-site").textContent = b.site_name;
        $("done-service").textContent = b.service_name;
        var t = dayText(b.day);
        $("done-when").textContent = b.time + " · " + t[0] + " " + t[1];
        $("form").hidden = true; $("done").hidden = false;
        $("done").scrollIntoView();
      })
      .catch(function (e) { refused($("error"))(e); refreshSlots(); });
  }

  function find() {
    show($("manage-msg"), ""); $("found").hidden = true; $("cancel-confirm").hidden = true;
    var code = $("manage-code").value;
    api("GET", "/api/book/" + encodeURIComponent(code.replace(/[\s-]/g, ""))).then(function (b) {
      moving = { code: b.code.replace(/[\s-]/g, ""), site: b.site_id, service: b.service, day: b.day, slot: null };
      var t = dayText(b.day);
      $("found-text").textContent = b.code + ": " + b.service_name + ", " + b.site_name + ", " + b.time + " " + t[0] + " " + t[1];
      // What became of it, as the hub learnt from the site (checked in at 08:12, never came…).
      $("found-status").textContent = b.status_vi;
      $("found-status").appendChild(el("span", "en", " · " + b.status_en));
      $("found-status").className = "book-status book-status-" + b.status;
      $("found").hidden = false;
      var active = b.changeable;
      $("manage-actions").hidden = !active;
      if (active) loadSlots(b.site_id, b.service, b.day, $("move-days"), $("move-slots"), moving, function () { $("move").disabled = !moving.slot; });
      else { $("move-days").textContent = ""; $("move-slots").textContent = ""; $("move").disabled = true; }
    }).catch(refused($("manage-msg")));
  }
  function cancel() {
    $("cancel-confirm").hidden = true;
    api("POST", "/api/book/" + moving.code + "/cancel").then(function () { find(); show($("manage-msg"), "Đã hủy lịch hẹn. Giờ hẹn được trả lại cho người khác.", true); })
      .catch(refused($("manage-msg")));
  }
  function move() {
    api("POST", "/api/book/" + moving.code + "/move", { slot_start: moving.slot }).then(function () { find(); show($("manage-msg"), "Đã đổi giờ hẹn.", true); })
      .catch(refused($("manage-msg")));
  }

  $("service").addEventListener("change", function () { chosen.day = null; refreshSlots(); });
  $("phone").addEventListener("input", readyToBook);
  $("submit").addEventListener("click", book);
  $("again").addEventListener("click", function () { $("done").hidden = true; $("form").hidden = false; refreshSlots(); });
  $("find").addEventListener("click", find);
  // A cancel gives the time away at once: asked once more (an elderly citizen's stray tap).
  $("cancel").addEventListener("click", function () { $("cancel-confirm").hidden = false; });
  $("cancel-keep").addEventListener("click", function () { $("cancel-confirm").hidden = true; });
  $("cancel-yes").addEventListener("click", cancel);
  $("move").addEventListener("click", move);

  api("GET", "/api/book/sites").then(function (data) {
    sites = data.sites;
    sites.forEach(function (s, i) {
      var b = chip(s.name, s.district, function () { chosen.site = s.id; fillServices(); });
      b.className = "book-site"; b.setAttribute("data-site", s.id);
      $("site").appendChild(b);
      if (i === 0) { chosen.site = s.id; b.setAttribute("aria-checked", "true"); }
    });
    if (!sites.length) show($("error"), "Chưa có điểm cấp nào nhận đặt lịch.");
    fillServices();
  });
})();
