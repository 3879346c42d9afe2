/* The tracking page: live over Socket.IO in the room of its own ticket; polls only while the
 * connection is down. The server renders the first view; every push re-renders `#live`.
 * For tests: window.__tracking = {pushes, polls, status}. */
(function () {
  "use strict";
  var el = QMS.el, $ = QMS.$;
  var ref = document.body.dataset.ref;
  var every = (+document.body.dataset.refresh || 15) * 1000;
  var live = $("live"), foot = $("foot");
  var T = window.__tracking = { pushes: 0, polls: 0, status: null };
  var connected = false;
  var siteClock = QMS.clock(+document.body.dataset.utcOffset);

  function card(cls, vi, en) {
    var c = el("div", "card status " + cls, vi + " ");
    c.appendChild(el("span", "en", en));
    return c;
  }
  function fact(value, vi, en, isText) {
    var c = el("div", "card");
    c.appendChild(el("div", "value" + (isText ? " is-text" : ""), value));
    var label = el("div", "label", vi + " ");
    label.appendChild(el("span", "en", en));
    c.appendChild(label);
    return c;
  }

  function render(t) {
    live.textContent = "";
    live.setAttribute("data-status", t.status);
    var counter = t.counter_name || (t.counter ? "Quầy " + t.counter : "");
    if (t.status === "waiting") {
      live.appendChild(card("", "Đang chờ", "Waiting"));
      var facts = el("div", "facts");
      var n = Number(t.position) || 0;
      // Early for a booked slot: in no line until it begins, so not "you are next".
      facts.appendChild(t.before_slot
        ? fact((t.slot_start || "").slice(11, 16), "Được gọi từ giờ hẹn", "Called from the booked time")
        : n > 0
        ? fact(String(n), "người trước công dân", n + " " + QMS.peopleEn(n) + " before you")
        : fact("0", "Công dân là người tiếp theo", "You are next"));
      // The server's one estimator words the wait ("Chưa mở quầy", "15–25 phút", "trên 60 phút").
      // "Chưa mở quầy" is not a wait time: it is said as it is, not as "chờ dự kiến".
      var closed = t.eta && t.eta.kind === "closed";
      var eta = closed ? fact(t.eta.text_vi, "", t.eta.text_en, true)
        : fact(t.eta ? t.eta.text_vi : "—", "chờ dự kiến",
               (t.eta ? t.eta.text_en + " · " : "") + "estimated wait", true);
      eta.firstChild.setAttribute("data-kind", t.eta ? t.eta.kind : "");
      facts.appendChild(eta);
      live.appendChild(facts);
    } else if (t.status === "called") {
      var c = el("div", "card status called", "Mời công dân đến");
      c.appendChild(el("span", "big", counter));
      c.appendChild(el("span", "en", "Please go to counter " + t.counter));
      live.appendChild(c);
    } else if (t.status === "serving") {
      live.appendChild(card("serving", "Đang được phục vụ tại " + counter, "Being served at counter " + t.counter));
    } else if (t.status === "done") {
      live.appendChild(card("ended", "Đã hoàn thành. Cảm ơn công dân!", "Completed. Thank you!"));
    } else if (t.status === "no_show") {
      live.appendChild(card("ended", "Số này đã qua lượt. Vui lòng hỏi cán bộ tại quầy.",
                            "This number was missed. Please ask an officer at a counter."));
    } else if (t.status === "transferred") {
      var moved = card("ended", "Hồ sơ của công dân đã được chuyển tiếp.", "Your case was passed on.");
      if (t.transferred_ref) {
        var same = t.transferred_number === t.number;
        var a = el("a", "next", same ? "Theo dõi tiếp số " + t.number : "Xem số mới " + t.transferred_number);
        a.href = "/t/" + encodeURIComponent(t.transferred_ref);
        a.appendChild(el("span", "en", same ? "Keep following " + t.number : "See the new number " + t.transferred_number));
        var p = el("p"); p.appendChild(a); moved.appendChild(p);
      }
      live.appendChild(moved);
    } else {
      live.appendChild(card("ended", "Số này đã bị huỷ.", "This number was cancelled."));
    }
    // "Remind me" is for a ticket still waiting (server/templates/tracking_remind.html).
    var remind = $("remind");
    if (remind) remind.hidden = t.status !== "waiting";
    if (t.status === "called" && T.status !== null && T.status !== "called") {
      if (navigator.vibrate) navigator.vibrate([400, 200, 400]);
      document.title = "Đến lượt công dân! " + t.number;
    }
    T.status = t.status;
  }

  function stamp(ok) {
    foot.className = ok ? "foot" : "foot stale";
    foot.textContent = ok
      ? "Cập nhật lúc " + siteClock.hhmm() + " · tự cập nhật khi có thay đổi / Updates by itself"
      : "Chưa cập nhật được, đang thử lại… / Cannot update, retrying…";
  }

  var connection = QMS.live({
    join: { role: "ticket", ticket: ref },
    accept: function (view) { return !!view.ticket; },
    onState: function (view) { T.pushes += 1; render(view.ticket); stamp(true); },
    onStatus: function (ok) { connected = ok; if (!ok) stamp(false); }
  });

  // Fallback only: while the connection is down, ask every `every` ms.
  function poll() {
    if (connected) return;
    fetch("/t/" + encodeURIComponent(ref) + "/status.json", { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { T.polls += 1; if (connection.offer(data)) stamp(true); })
      .catch(function () { stamp(false); });
  }
  setInterval(poll, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });

  var first = JSON.parse($("ticket-view").textContent);
  connection.offer({ seq: +document.body.dataset.seq || 0, ticket: first });
  T.pushes = 0;
})();
