/* The pages' small shared core: DOM helpers, the site clock, the live connection, and the
 * bilingual words every page uses. Loaded before a page's own script, as window.QMS.
 *
 *   QMS.$(id), QMS.el(tag, cls, text), QMS.pad(n), QMS.fitText(node, minRatio)
 *   QMS.clock(utcOffsetMinutes, serverNowMs): the site's wall time whatever the device's own
 *     clock and zone: .now() (a Date to read with getUTC*), .serverMs(), .hhmm(), .dateVi(),
 *     .dateEn()
 *   QMS.live({join, onState, onStatus, accept, forceNew}): Socket.IO that joins again on every
 *     (re)connect and hands on `state` pushes in seq order: the first state after a connect is a
 *     fresh snapshot (taken whatever its seq: the store may have been reset); after that an
 *     older push overtaken by a newer one is dropped. .offer(view) applies a view fetched over
 *     HTTP under the same rule; .socket; .seq(); .resyncs() (snapshots asked for after a gap).
 *     A page that joins with `deltas: true` gets, after its snapshot, patches
 *     {seq, base, patch}: one whose base is the seq the page holds is applied to that view
 *     (QMS.applyPatch) and handed on like a whole view; any other (a push was missed) is
 *     dropped and a `snapshot` asked for, once, until it comes.
 *   QMS.applyPatch(view, patch): the view a patch makes (server/view_patch.py): top-level
 *     keys `set`, items added in front of a list (`grow`), fields of list items (`items`).
 *     A new object; parts the patch does not touch stay the same objects, so a page can
 *     skip redrawing them (view.x === before.x).
 *   QMS.words: {key: [vi, en]}; QMS.say(key) -> "vi · en"
 *   QMS.mobilePhone(text): the Vietnamese mobile number in `text` ("0987654321"), by the
 *     server's rule, or null
 */
(function (global) {
  "use strict";

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Shrink a one-line text until it fits its box (long names and numbers on fixed screens),
  // down to minRatio of its stylesheet size.
  function fitText(node, minRatio) {
    if (!node) return;
    // Only reset a size set before: a write makes the next read lay the page out again.
    if (node.style.fontSize) node.style.fontSize = "";
    var base = parseFloat(getComputedStyle(node).fontSize);
    var size = base;
    while (node.scrollWidth > node.clientWidth && size > base * (minRatio || 0.5)) {
      size -= Math.max(1, Math.round(size / 60));
      node.style.fontSize = size + "px";
    }
  }

  var DAYS_VI = ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];
  var DAYS_EN = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function clock(utcOffsetMinutes, serverNowMs) {
    var skewMs = typeof serverNowMs === "number" ? serverNowMs - Date.now() : 0;
    var offset = typeof utcOffsetMinutes === "number" ? utcOffsetMinutes : 420;
    function serverMs() { return Date.now() + skewMs; }
    function now() { return new Date(serverMs() + offset * 60000); }
    return {
      serverMs: serverMs,
      now: now,
      hhmm: function () { var d = now(); return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()); },
      dateVi: function () {
        var d = now();
        return DAYS_VI[d.getUTCDay()] + ", " + pad(d.getUTCDate()) + "/" + pad(d.getUTCMonth() + 1) +
          "/" + d.getUTCFullYear();
      },
      dateEn: function () {
        var d = now();
        return DAYS_EN[d.getUTCDay()] + ", " + d.getUTCDate() + " " + MONTHS_EN[d.getUTCMonth()] +
          " " + d.getUTCFullYear();
      }
    };
  }

  function copy(obj) {
    var out = {};
    for (var k in obj) if (Object.prototype.hasOwnProperty.call(obj, k)) out[k] = obj[k];
    return out;
  }
  function applyPatch(view, patch) {
    var out = copy(view), k, i;
    var set = patch.set || {}, grow = patch.grow || {}, items = patch.items || {};
    for (k in set) out[k] = set[k];
    for (k in grow) out[k] = grow[k].add.concat(out[k] || []).slice(0, grow[k].len);
    for (k in items) {
      var list = (out[k] || []).slice();
      for (i in items[k]) {
        var item = copy(list[i] || {}), fields = items[k][i];
        for (var f in fields) item[f] = fields[f];
        list[i] = item;
      }
      out[k] = list;
    }
    return out;
  }

  function live(opts) {
    var lastSeq = -1;
    var fresh = true;
    var current = null;     // the last view handed on: what the next patch applies to
    var resyncing = false;  // a snapshot was asked for and has not come yet
    var resyncs = 0;
    var closed = false;
    var socket = global.io({ forceNew: !!opts.forceNew, reconnectionDelayMax: 5000 });
    function status(connected, ack) { if (opts.onStatus) opts.onStatus(connected, ack); }
    function take(view, viaPush) {
      if (!view || typeof view.seq !== "number") return false;
      if (opts.accept && !opts.accept(view)) return false;
      var first = viaPush && fresh;
      if (!first && view.seq < lastSeq) return false;
      if (viaPush) fresh = false;
      lastSeq = view.seq;
      current = view;
      opts.onState(view, first);
      return true;
    }
    function joinPayload() { return typeof opts.join === "function" ? opts.join() : opts.join; }
    function resync() {
      if (resyncing) return;
      resyncing = true;
      resyncs += 1;
      // Answered like a join: the whole view as a `state` push, then the acknowledgement.
      socket.emit("snapshot", joinPayload(), function (ack) {
        resyncing = false;
        if (ack && ack.ok === false) status(false, ack);
      });
    }
    socket.on("connect", function () {
      fresh = true;
      resyncing = false;
      socket.emit("join", joinPayload(), function (ack) { status(!(ack && ack.ok === false), ack); });
    });
    socket.on("state", function (view) {
      if (view && view.patch) {
        // While a join's or a snapshot's whole view is on its way, patches wait for nothing.
        if (fresh || resyncing || !current) return;
        if (view.base !== lastSeq) {
          // Not the view this page holds: a push went missing. An old patch overtaken by
          // newer views is simply dropped.
          if (view.seq > lastSeq) resync();
          return;
        }
        var patched = applyPatch(current, view.patch);
        patched.seq = view.seq;
        view = patched;
      } else if (resyncing && view && !fresh) {
        resyncing = false;  // a whole view is the snapshot asked for (or as good as it)
      }
      if (take(view, true)) status(true);
    });
    socket.on("disconnect", function (reason) {
      fresh = true;
      resyncing = false;
      status(false);
      // The server cut this socket (an officer's session ended elsewhere, a socket it had
      // to drop): socket.io does not come back by itself then, and the page sat on
      // "reconnecting" for good. Come back once; a join refused says why (signed out).
      if (reason === "io server disconnect") {
        setTimeout(function () { if (!closed) socket.connect(); }, 1000);
      }
    });
    socket.on("connect_error", function () { status(false); });
    return {
      socket: socket,
      seq: function () { return lastSeq; },
      resyncs: function () { return resyncs; },
      offer: function (view) { return take(view, false); },
      close: function () { closed = true; socket.off(); socket.disconnect(); }
    };
  }

  // Words more than one page says, Vietnamese first.
  var words = {
    reconnecting: ["Đang kết nối lại…", "Reconnecting"],
    counter: ["Quầy", "Counter"],
    idle: ["Sẵn sàng", "Ready"],
    paused: ["Tạm dừng", "Paused"],
    closed: ["Đóng", "Closed"],
    open: ["Đang mở", "Open"],
    waiting: ["Đang chờ", "Waiting"],
    called: ["Đã gọi", "Called"],
    serving: ["Đang phục vụ", "Serving"],
    no_counter_open: ["Chưa mở quầy", "No counter open"],
    priority: ["Ưu tiên", "Priority"]
  };
  function say(key) { var w = words[key]; return w ? w[0] + " · " + w[1] : key; }

  // "1 person", "3 people": English counts agree with their number.
  function peopleEn(n) { return n === 1 ? "person" : "people"; }

  // A Vietnamese mobile number as the server takes it (server/hub/booking_api.phone_number:
  // spaces, dots and dashes dropped, +84/84 read as 0, then 0[35789] and 8 digits), or null.
  function mobilePhone(text) {
    var digits = String(text || "").replace(/[\s.\-]/g, "");
    if (digits.indexOf("+84") === 0) digits = "0" + digits.slice(3);
    else if (digits.indexOf("84") === 0 && digits.length === 11) digits = "0" + digits.slice(2);
    return /^0[35789]\d{8}$/.test(digits) ? digits : null;
  }

  global.QMS = { $: $, el: el, pad: pad, fitText: fitText, clock: clock, live: live, words: words, say: say,
                 peopleEn: peopleEn, applyPatch: applyPatch, mobilePhone: mobilePhone };
})(window);
