/* Counter tablet: sign in, pick a counter, run it with large buttons.
 *
 * Actions go over the HTTP API with the X-CSRF-Token header (one request at a time: a double
 * tap cannot send two). The view is kept live by Socket.IO (join {role:"counter"}); every
 * change pushes a fresh counter view with a rising `seq`. A refusal shows the server's
 * Vietnamese message; a 401 (session expired) goes back to the sign-in form.
 */
(function () {
  "use strict";

  var CONFIG = JSON.parse(document.getElementById("counter-config").textContent);
  var COUNTER_KEY = "qms.counter.number";
  var siteClock = QMS.clock(CONFIG.utc_offset_minutes, CONFIG.server_now_ms);

  var STATUS_VI = { called: ["Đã gọi, chờ công dân", "Called"], serving: ["Đang phục vụ", "Serving"] };
  var W = QMS.words;
  var COUNTER_STATE = { open: W.open, paused: W.paused, closed: W.closed };
  var PRINTER_VI = { ok: "Bình thường", paper_low: "Sắp hết giấy", paper_out: "Hết giấy",
                     offline: "Mất kết nối", unknown: "Không rõ trạng thái",
                     agent_offline: "Máy in kiosk mất kết nối" };

  var S = {
    csrf: null, officer: null, counter: null, view: null, seq: -1,
    busy: false, socket: null, live: null, dialog: null, dialogTicket: null, callTicket: null, cancelReason: null
  };
  window.__counter = S;  // for tests and debugging

  var $ = QMS.$, el = QMS.el, pad = QMS.pad;
  function serviceOf(code) {
    for (var i = 0; i < CONFIG.services.length; i++) if (CONFIG.services[i].code === code) return CONFIG.services[i];
    return { code: code, letter: "?", name_vi: code, name_en: "" };
  }
  function priorityName(code) {
    for (var i = 0; i < CONFIG.priority_groups.length; i++) {
      if (CONFIG.priority_groups[i].code === code) return CONFIG.priority_groups[i].name_vi;
    }
    return "Ưu tiên";
  }

  // -- screens -------------------------------------------------------------------------
  function show(screen) {
    ["signin", "pick", "console"].forEach(function (name) {
      $("screen-" + name).hidden = name !== screen;
    });
    closeDialog();
    if (screen === "signin") setTimeout(function () { $("signin-username").focus(); }, 0);
  }
  function setOfficer(officer) {
    S.officer = officer;
    Array.prototype.forEach.call(document.querySelectorAll(".officer-name"), function (n) {
      n.textContent = officer ? officer.display_name : "";
    });
    // The officer's other pages, as the server lists them for the role (server/officer_nav.py).
    var nav = $("pick-pages");
    nav.textContent = "";
    var pages = ((officer && officer.pages) || []).filter(function (p) { return p.key !== "counter"; });
    pages.forEach(function (p) {
      var a = el("a", "pick-page", p.vi + " ");
      a.href = p.path;
      a.setAttribute("data-page", p.key);
      a.appendChild(el("span", "en", p.en));
      nav.appendChild(a);
    });
    nav.hidden = !pages.length;
  }

  // -- HTTP ----------------------------------------------------------------------------
  function api(method, path, body, csrf) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    csrf = csrf || S.csrf;
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body !== undefined ? JSON.stringify(body) : undefined
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { status: res.status, ok: res.ok, data: data };
      });
    });
  }

  function sessionExpired(message) {
    disconnect();
    S.csrf = null;
    setOfficer(null);
    show("signin");
    showFormError(message || "Phiên làm việc đã hết. Vui lòng đăng nhập lại.");
  }

  // -- sign in -------------------------------------------------------------------------
  function showFormError(text) {
    var box = $("signin-error");
    box.textContent = text || "";
    box.hidden = !text;
  }
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (S.busy) return;
    S.busy = true;
    $("signin-submit").disabled = true;
    showFormError("");
    api("POST", "/api/login", { username: $("signin-username").value.trim(),
                               password: $("signin-password").value })
      .then(function (r) {
        if (!r.ok) {
          showFormError((r.data.error && r.data.error.message) || "Không đăng nhập được.");
          return;
        }
        $("signin-password").value = "";
        S.csrf = r.data.csrf_token;
        setOfficer(r.data.officer);
        afterSignIn();
      }, function () {
        showFormError("Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.");
      })
      .then(function () { S.busy = false; $("signin-submit").disabled = false; });
  });

  // An officer who signs out has left the counter: an open (or paused) counter with nobody
  // at it is closed first, or the wall display would go on saying it is ready and the kiosk
  // would tell the next citizen their turn is coming. With a citizen at it, it stays as it is.
  function counterToClose() {
    var c = S.view && S.view.counter;
    return c && c.number === S.counter && c.state !== "closed" && !c.current ? S.counter : null;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".signout"), function (b) {
    b.addEventListener("click", function () {
      var csrf = S.csrf;
      var counter = $("screen-console").hidden ? null : counterToClose();
      var closing = counter ? api("POST", "/api/counters/" + counter + "/close", {}, csrf)
        : Promise.resolve();
      disconnect();
      closing.then(null, function () {}).then(function () {
        return api("POST", "/api/logout", {}, csrf);
      }).then(function () {}, function () {});
      S.csrf = null;
      setOfficer(null);
      show("signin");
    });
  });

  function chosenCounter() {
    var fromQuery = parseInt(new URLSearchParams(location.search).get("counter"), 10);
    var stored = null;
    try { stored = parseInt(localStorage.getItem(COUNTER_KEY), 10); } catch (e) { stored = null; }
    var n = fromQuery || stored;
    return CONFIG.counters.some(function (c) { return c.number === n; }) ? n : null;
  }

  function afterSignIn() {
    var n = chosenCounter();
    if (n) openConsole(n);
    else showPick();
  }

  // -- pick a counter ------------------------------------------------------------------
  function showPick() {
    disconnect();
    show("pick");
    var grid = $("pick-grid");
    grid.textContent = "";
    api("GET", "/api/counters").then(function (r) {
      var live = {};
      ((r.data && r.data.counters) || []).forEach(function (c) { live[c.number] = c; });
      CONFIG.counters.forEach(function (c) {
        var tile = el("button", "pick-tile");
        tile.type = "button";
        tile.setAttribute("data-counter", c.number);
        tile.appendChild(el("span", "t-name", c.name || ("Quầy " + c.number)));
        var st = (live[c.number] && live[c.number].state) || "closed";
        var words = COUNTER_STATE[st] || [st, st];
        var stNode = el("span", "t-state st-" + st, words[0]);
        if (live[c.number] && live[c.number].serving) stNode.textContent += " · đang có số " + live[c.number].serving;
        tile.appendChild(stNode);
        if (live[c.number] && live[c.number].officer_name) {
          // Who holds this open counter, so a second officer does not take it by mistake.
          tile.appendChild(el("span", "t-officer", "Cán bộ: " + live[c.number].officer_name));
        }
        tile.appendChild(el("span", "t-services", c.services.map(function (code) {
          var s = serviceOf(code); return s.letter + " – " + s.name_vi;
        }).join("\n")));
        tile.lastChild.style.whiteSpace = "pre-line";
        tile.addEventListener("click", function () {
          try { localStorage.setItem(COUNTER_KEY, String(c.number)); } catch (e) { /* ignore */ }
          openConsole(c.number);
        });
        grid.appendChild(tile);
      });
    });
  }
  $("change-counter").addEventListener("click", function () {
    try { localStorage.removeItem(COUNTER_KEY); } catch (e) { /* ignore */ }
    showPick();
  });

  // -- the live connection -------------------------------------------------------------
  function disconnect() {
    if (S.live) {
      S.live.close();
      S.live = S.socket = null;
    }
  }

  function openConsole(number) {
    S.counter = number;
    S.view = null;
    S.seq = -1;
    show("console");
    var cfg = CONFIG.counters.filter(function (c) { return c.number === number; })[0];
    $("c-name").textContent = (cfg && cfg.name) || ("Quầy " + number);
    document.title = $("c-name").textContent + " — " + CONFIG.site_name;
    hideMessage();
    render();
    disconnect();
    // A new connection after sign-in, so it carries the officer's session cookie.
    S.live = QMS.live({
      forceNew: true,
      join: { role: "counter", counter: number },
      // A view of this counter, never behind what an action's answer already showed.
      accept: function (view) {
        return view.counter && view.counter.number === S.counter && view.seq >= S.seq;
      },
      onState: function (view) {
        S.seq = view.seq;
        S.view = view;
        $("c-conn").hidden = true;
        render();
      },
      onStatus: function (connected, ack) {
        if (ack && ack.ok === false) {
          var err = ack.error || {};
          // Signed in before: the session ended (elsewhere, or its shift ran out).
          if (err.code === "not_signed_in") sessionExpired();
          else showMessage(err.message, err.message_en);
        } else {
          $("c-conn").hidden = connected;
        }
      }
    });
    S.socket = S.live.socket;
  }

  function refreshView() {
    return api("GET", "/api/counters/" + S.counter + "/view").then(function (r) {
      if (r.status === 401) return sessionExpired(r.data.error && r.data.error.message);
      if (r.ok && r.data.seq >= S.seq) { S.seq = r.data.seq; S.view = r.data; render(); }
    }, function () {});
  }

  // -- messages ------------------------------------------------------------------------
  function showMessage(vi, en, ok) {
    $("msg-vi").textContent = vi || "";
    $("msg-en").textContent = en || "";
    $("msg").classList.toggle("ok", !!ok);
    $("msg").hidden = !vi;
  }
  function hideMessage() { $("msg").hidden = true; }
  $("msg-close").addEventListener("click", hideMessage);

  // -- actions -------------------------------------------------------------------------
  function request(name, extra) {
    var cur = S.view && S.view.counter && S.view.counter.current;
    var n = S.counter;
    var t = extra && extra.ticket_id ? extra.ticket_id : cur && cur.id;
    switch (name) {
      case "call_next": return ["/api/counters/" + n + "/call-next", {}];
      case "open_counter": return ["/api/counters/" + n + "/open", {}];
      case "close_counter": return ["/api/counters/" + n + "/close", {}];
      case "pause_counter": return ["/api/counters/" + n + "/pause", {}];
      case "resume_counter": return ["/api/counters/" + n + "/resume", {}];
      case "recall": return ["/api/tickets/" + t + "/recall", {}];
      case "start": return ["/api/tickets/" + t + "/start", {}];
      case "no_show": return ["/api/tickets/" + t + "/no-show", {}];
      case "reprint": return ["/api/tickets/" + t + "/reprint", {}];
      case "complete": return ["/api/tickets/" + t + "/complete", { outcome: extra.outcome }];
      case "call_ticket": return ["/api/counters/" + n + "/call", { ticket_id: extra.ticket_id }];
      case "cancel": return ["/api/tickets/" + t + "/cancel", extra.reason ? { reason: extra.reason } : {}];
      case "transfer":
        return ["/api/tickets/" + t + "/transfer",
                extra.to_counter ? { to_counter: extra.to_counter } : { to_service: extra.to_service }];
    }
    return null;
  }

  var DONE_VI = {
    call_next: function (a) { return a.ticket ? "Đã gọi số " + a.ticket.number + "." : "Đã gọi."; },
    recall: function (a) { return "Đã gọi lại số " + (a.ticket ? a.ticket.number : "") + "."; },
    // The site's rule may send a first no-show back to the end of the line: say which it was.
    no_show: function (a) {
      var n = a.ticket ? a.ticket.number : "";
      return a.ticket && a.ticket.status === "waiting"
        ? "Số " + n + " vắng mặt: đã đưa về cuối hàng chờ, vắng lần nữa thì kết thúc."
        : "Số " + n + " vắng mặt: phiếu đã kết thúc.";
    },
    transfer: function (a) { return "Đã chuyển số " + (a.ticket ? a.ticket.number : "") + "."; },
    call_ticket: function (a) { return a.ticket ? "Đã gọi số " + a.ticket.number + "." : "Đã gọi."; },
    complete: function () { return "Đã hoàn tất."; },
    cancel: function (a) { return "Đã hủy số " + (a.ticket ? a.ticket.number : "") + "."; },
    reprint: function (a) { return "Đã gửi lệnh in lại số " + (a.ticket ? a.ticket.number : "") + "."; }
  };

  function act(name, extra) {
    if (S.busy || !S.counter) return;  // one action at a time: a double tap sends nothing more
    var req = request(name, extra || {});
    if (!req) return;
    S.busy = true;
    closeDialog();
    render();
    api("POST", req[0], req[1]).then(function (r) {
      if (r.ok) {
        var answer = r.data;
        if (answer.counter && S.view && answer.seq >= S.seq) {
          // Show the counter's new state at once; the push brings the queue a moment later.
          S.view.counter = answer.counter;
          S.seq = answer.seq;
        }
        var done = DONE_VI[name];
        if (done) showMessage(done(answer), "", true); else hideMessage();
        if (!S.socket || !S.socket.connected) refreshView();
        return;
      }
      var err = (r.data && r.data.error) || {};
      if (r.status === 401 || err.code === "csrf") {
        sessionExpired(err.message);
        return;
      }
      showMessage(err.message || "Thao tác không thực hiện được.", err.message_en || "");
      refreshView();  // the refusal may mean this tablet's view is behind: catch up
    }, function () {
      showMessage("Không kết nối được máy chủ; thao tác chưa được thực hiện. Hãy thử lại.",
                  "Cannot reach the server; nothing was done.");
    }).then(function () {
      S.busy = false;
      render();
    });
  }

  // -- buttons -------------------------------------------------------------------------
  var buttons = {};
  Array.prototype.forEach.call(document.querySelectorAll(".act"), function (b) {
    buttons[b.getAttribute("data-action")] = b;
    b.addEventListener("click", function () { press(b.getAttribute("data-action")); });
  });

  function press(action) {
    var b = buttons[action];
    if (!b || b.disabled || S.busy) return;
    var counter = S.view && S.view.counter;
    switch (action) {
      case "pause": return act(counter && counter.state === "paused" ? "resume_counter" : "pause_counter");
      case "open_close":
        if (counter && counter.state === "closed") return act("open_counter");
        return openDialog("dlg-close");
      case "complete": return openDialog("dlg-complete");
      case "transfer": return openTransfer();
      default: return act(action);
    }
  }

  function setButton(action, enabled, label, labelEn) {
    var b = buttons[action];
    b.disabled = !enabled;
    if (label) {
      b.querySelector(".lbl").textContent = label;
      b.querySelector(".en").textContent = labelEn;
    }
  }

  // -- dialogs -------------------------------------------------------------------------
  function openDialog(id) {
    closeDialog();
    var cur = S.view && S.view.counter && S.view.counter.current;
    Array.prototype.forEach.call($(id).querySelectorAll(".dlg-number"), function (n) {
      n.textContent = cur ? cur.number : "";
    });
    $(id).hidden = false;
    S.dialog = id;
    S.dialogTicket = cur ? cur.id : null;
    var first = $(id).querySelector(".choice");
    if (first) first.focus();
  }
  function closeDialog() {
    if (S.dialog) $(S.dialog).hidden = true;
    S.dialog = null;
    S.dialogTicket = null;
    S.callTicket = null;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".overlay"), function (o) {
    o.addEventListener("click", function (ev) { if (ev.target === o) closeDialog(); });
    Array.prototype.forEach.call(o.querySelectorAll(".cancel"), function (c) {
      c.addEventListener("click", closeDialog);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#dlg-complete .choice"), function (c) {
    c.addEventListener("click", function () { act("complete", { outcome: c.getAttribute("data-outcome") }); });
  });
  $("close-yes").addEventListener("click", function () { act("close_counter"); });

  // Cancel the current ticket: from the complete dialog, a confirm step with an optional reason.
  function openCancel() {
    if (S.busy || !(S.view && S.view.counter && S.view.counter.current)) return;
    openDialog("dlg-cancel");
    setCancelReason(null);
  }
  function setCancelReason(reason) {
    S.cancelReason = reason;
    Array.prototype.forEach.call(document.querySelectorAll("#cancel-reasons .reason"), function (b) {
      var on = b.getAttribute("data-reason") === reason;
      b.classList.toggle("selected", on);
      b.setAttribute("aria-checked", on ? "true" : "false");
    });
  }
  $("open-cancel").addEventListener("click", openCancel);
  Array.prototype.forEach.call(document.querySelectorAll("#cancel-reasons .reason"), function (b) {
    b.addEventListener("click", function () {
      var r = b.getAttribute("data-reason");
      setCancelReason(S.cancelReason === r ? null : r);  // a second tap clears the choice
    });
  });
  $("cancel-yes").addEventListener("click", function () {
    if (!S.dialogTicket) return;
    act("cancel", { ticket_id: S.dialogTicket, reason: S.cancelReason });
  });

  // Call a given citizen: tap a number in the queue list, then confirm.
  function canCallSpecific() {
    var counter = S.view && S.view.counter;
    return !S.busy && !!counter && counter.state === "open" && !counter.current;
  }
  function openCall(t) {
    if (!canCallSpecific()) return;
    openDialog("dlg-call");
    S.callTicket = t.id;
    Array.prototype.forEach.call($("dlg-call").querySelectorAll(".call-number"), function (n) {
      n.textContent = t.number;
    });
    var svc = serviceOf(t.service);
    var detail = $("call-detail");
    detail.textContent = svc.name_vi;
    if (t.priority) detail.appendChild(el("span", "tag", "Ưu tiên"));
    if (t.reserved) detail.appendChild(el("span", "tag res", "Chuyển đến quầy"));
    detail.appendChild(el("span", "en", svc.name_en));
  }
  $("call-yes").addEventListener("click", function () {
    if (!S.callTicket || !canCallSpecific()) return;
    act("call_ticket", { ticket_id: S.callTicket });
  });

  function openTransfer() {
    var cur = S.view && S.view.counter && S.view.counter.current;
    if (!cur) return;
    var svc = $("transfer-services");
    var ctr = $("transfer-counters");
    svc.textContent = "";
    ctr.textContent = "";
    var live = {};
    ((S.view && S.view.counters) || []).forEach(function (c) { live[c.number] = c; });
    // Services some counter not closed serves: the others are still offered (the citizen
    // waits until one opens), marked so the officer can say so.
    var served = {};
    CONFIG.counters.forEach(function (c) {
      if (((live[c.number] && live[c.number].state) || "closed") === "closed") return;
      c.services.forEach(function (code) { served[code] = true; });
    });
    CONFIG.services.forEach(function (s) {
      if (s.code === cur.service) return;
      var b = el("button", "choice", s.letter + " – " + s.name_vi);
      b.type = "button";
      b.setAttribute("data-service", s.code);
      b.appendChild(el("span", "en", s.name_en));
      if (!served[s.code]) {
        b.appendChild(el("span", "no-counter", "Chưa có quầy mở · no counter open"));
      }
      b.addEventListener("click", function () {
        confirmTransfer({ to_service: s.code }, s.letter + " – " + s.name_vi, s.name_en);
      });
      svc.appendChild(b);
    });
    CONFIG.counters.forEach(function (c) {
      if (c.number === S.counter) return;
      var st = (live[c.number] && live[c.number].state) || "closed";
      if (st === "closed") return;  // nobody there to receive the citizen
      var b = el("button", "choice", c.name || ("Quầy " + c.number));
      b.type = "button";
      b.setAttribute("data-counter", c.number);
      b.appendChild(el("span", "en", (COUNTER_STATE[st] || [st])[0] + " · " +
        c.services.map(function (code) { return serviceOf(code).letter; }).join(", ")));
      b.addEventListener("click", function () {
        confirmTransfer({ to_counter: c.number }, c.name || ("Quầy " + c.number), "counter " + c.number);
      });
      ctr.appendChild(b);
    });
    if (!ctr.childNodes.length) ctr.appendChild(el("p", "none", "Không có quầy nào khác đang mở · No other counter open"));
    openDialog("dlg-transfer");
  }

  // A transfer sends a citizen elsewhere: one more touch to be sure of where.
  function confirmTransfer(target, vi, en) {
    openDialog("dlg-transfer-confirm");
    S.transferTarget = target;
    var text = $("transfer-confirm-text");
    text.textContent = "Sang " + vi + " ";
    text.appendChild(el("span", "en", "To " + en));
  }
  $("transfer-yes").addEventListener("click", function () {
    var target = S.transferTarget;
    if (!target) return;
    S.transferTarget = null;
    act("transfer", target);
  });

  // -- keyboard shortcuts (desktop) ----------------------------------------------------
  var KEYS = {};
  Object.keys(buttons).forEach(function (a) { KEYS[buttons[a].getAttribute("data-key")] = a; });
  document.addEventListener("keydown", function (ev) {
    if ($("screen-console").hidden || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (S.dialog) {
      if (ev.key === "Escape") { closeDialog(); ev.preventDefault(); return; }
      if (S.dialog === "dlg-complete" && /^[1-4]$/.test(ev.key)) {
        $("dlg-complete").querySelectorAll(".choice")[parseInt(ev.key, 10) - 1].click();
        ev.preventDefault();
      } else if (S.dialog === "dlg-complete" && (ev.key === "x" || ev.key === "X")) {
        openCancel();
        ev.preventDefault();
      } else if (S.dialog === "dlg-cancel" && /^[1-3]$/.test(ev.key)) {
        $("dlg-cancel").querySelectorAll(".reason")[parseInt(ev.key, 10) - 1].click();
        ev.preventDefault();
      }
      return;
    }
    var action = KEYS[(ev.key || "").toUpperCase()];
    if (action) { ev.preventDefault(); press(action); }
  });

  // -- rendering -----------------------------------------------------------------------
  function render() {
    document.body.classList.toggle("busy", S.busy);
    var view = S.view;
    var counter = view && view.counter;
    var cur = counter && counter.current;
    var state = counter ? counter.state : null;

    // A dialog about a ticket that is no longer at this counter (done elsewhere) closes.
    if (S.dialog && S.dialog !== "dlg-close" && S.dialog !== "dlg-call" && !S.busy &&
        (!cur || cur.id !== S.dialogTicket)) {
      closeDialog();
      showMessage("Số này vừa được xử lý ở nơi khác; thao tác đã hủy.",
                  "This ticket was handled elsewhere meanwhile; nothing was done.");
    }
    // The call dialog closes if the counter took a ticket or stopped being open meanwhile
    // (e.g. another tablet on this counter). A ticket taken by another counter is left to the
    // server to refuse: leaving the first eight is not proof that it was taken.
    if (S.dialog === "dlg-call" && !S.busy && (cur || state !== "open")) {
      closeDialog();
      showMessage("Quầy vừa thay đổi trạng thái; chưa gọi số nào.",
                  "The counter changed meanwhile; nothing was called.");
    }

    var pill = $("c-state");
    var words = COUNTER_STATE[state] || ["Đang tải…", "Loading"];
    pill.textContent = words[0];
    pill.className = "pill " + (state || "");

    // current ticket
    var box = $("current");
    box.className = "current card" + (cur ? " " + cur.status : "");
    $("cur-empty").hidden = !!cur;
    $("cur-body").hidden = !cur;
    if (cur) {
      $("cur-number").textContent = cur.number;
      var st = STATUS_VI[cur.status] || [cur.status, ""];
      $("cur-status").textContent = st[0];
      $("cur-status").appendChild(el("span", "en", st[1]));
      $("cur-service").textContent = cur.service_name_vi;
      $("cur-service").appendChild(el("span", "en", cur.service_name_en));
      var marks = $("cur-marks");
      marks.textContent = "";
      if (cur.priority) marks.appendChild(el("span", "mark prio", "Ưu tiên: " + (cur.priority_name_vi || priorityName(cur.priority))));
      if (cur.booked) marks.appendChild(el("span", "mark booked", "Lịch hẹn" + (cur.slot_start ? " " + cur.slot_start.slice(11, 16) : "")));
      if (cur.recalls) marks.appendChild(el("span", "mark", "Đã gọi lại " + cur.recalls + " lần"));
      if (cur.no_shows) marks.appendChild(el("span", "mark", "Đã vắng " + cur.no_shows + " lần"));
    } else {
      $("cur-empty").querySelector(".cur-empty-vi").textContent =
        state === "closed" ? "Quầy đang đóng — bấm “Mở quầy”" :
        state === "paused" ? "Quầy đang tạm dừng" : "Chưa có công dân tại quầy";
      $("cur-empty").querySelector(".en").textContent =
        state === "closed" ? "The counter is closed — press “Mở quầy” (Open)" :
        state === "paused" ? "Paused — press “Tiếp tục” (Resume)" : "No citizen at the counter — press “Gọi tiếp”";
    }
    tickTimer();

    // buttons
    // What may be pressed comes from the server (the engine's counter and ticket tables).
    var ready = !!counter && !S.busy;
    var allowed = (counter && counter.allowed) || [];
    function can(action) { return ready && allowed.indexOf(action) >= 0; }
    ["call_next", "recall", "start", "no_show", "transfer", "complete"].forEach(function (a) {
      setButton(a, can(a));
    });
    if (state === "paused") setButton("pause", can("resume_counter"), "Tiếp tục", "Resume");
    else setButton("pause", can("pause_counter"), "Tạm dừng", "Pause");
    if (state === "closed" || !state) setButton("open_close", can("open_counter"), "Mở quầy", "Open counter");
    else setButton("open_close", can("close_counter"), "Đóng quầy", "Close counter");

    // queue
    var q = (view && view.queue) || { waiting: 0, priority_waiting: 0, next: [] };
    $("q-waiting").textContent = q.waiting;
    $("q-priority").textContent = q.priority_waiting;
    var list = $("q-next");
    list.textContent = "";
    var pickable = allowed.indexOf("call_ticket") >= 0;  // the hint does not flicker while busy
    var callable = ready && pickable;
    if (!q.next.length) list.appendChild(el("li", "none", "Không có ai đang chờ · Nobody waiting"));
    q.next.forEach(function (t) {
      var li = el("li");
      li.setAttribute("data-ticket", t.id);
      var b = el("button", "q-item");
      b.type = "button";
      b.setAttribute("data-ticket", t.id);
      b.disabled = !callable;
      b.setAttribute("aria-label", "Gọi số " + t.number + " · Call " + t.number);
      b.appendChild(el("span", "n", t.number));
      b.appendChild(el("span", "s", serviceOf(t.service).name_vi));
      if (t.priority) b.appendChild(el("span", "tag", "Ưu tiên"));
      if (t.reserved) b.appendChild(el("span", "tag res", "Chuyển đến quầy"));
      if (t.booked) b.appendChild(el("span", "tag booked", "Lịch hẹn"));
      b.addEventListener("click", function () { openCall(t); });
      li.appendChild(b);
      list.appendChild(li);
    });
    var hint = $("q-hint");
    var hintText = !q.next.length ? null :
      pickable ? ["Chạm vào một số để gọi riêng số đó", "Tap a number to call that citizen"] :
      cur ? ["Hoàn tất số hiện tại trước khi gọi số khác", "Finish the current ticket first"] :
      state === "paused" ? ["Quầy đang tạm dừng — bấm “Tiếp tục” để gọi", "Paused — resume to call"] :
      state !== "open" ? ["Mở quầy để gọi số", "Open the counter to call"] : null;
    hint.textContent = hintText ? hintText[0] : "";
    if (hintText) hint.appendChild(el("span", "en", hintText[1]));
    hint.hidden = !hintText;
    hint.classList.toggle("off", !pickable);

    renderAlerts(view);
  }

  function renderAlerts(view) {
    var printers = ((view && view.printers) || []).filter(function (p) { return p.status !== "ok"; });
    var problems = (view && view.print_problems) || [];
    $("alerts").hidden = !printers.length && !problems.length;
    var list = $("alert-list");
    list.textContent = "";
    printers.forEach(function (p) {
      var li = el("li");
      var text = el("span", "a-text");
      text.appendChild(el("b", null, "Kiosk " + p.kiosk + ": " + (PRINTER_VI[p.status] || p.status)));
      if (p.message) text.appendChild(document.createTextNode(" — " + p.message));
      li.appendChild(text);
      list.appendChild(li);
    });
    problems.forEach(function (t) {
      var li = el("li");
      var text = el("span", "a-text");
      text.appendChild(el("b", null, "Số " + t.number + " chưa in được"));
      text.appendChild(document.createTextNode(" (kiosk " + t.kiosk + (t.reason ? ": " + t.reason : "") + ")"));
      li.appendChild(text);
      var b = el("button", "reprint", "In lại");
      b.type = "button";
      b.setAttribute("data-ticket", t.id);
      b.appendChild(el("span", "en", "Reprint"));
      b.disabled = S.busy;
      b.addEventListener("click", function () { act("reprint", { ticket_id: t.id }); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function tickTimer() {
    var cur = S.view && S.view.counter && S.view.counter.current;
    var now = new Date(siteClock.serverMs());
    $("c-clock").textContent = siteClock.hhmm();
    if (!cur) return;
    var since = Date.parse(cur.serving_at || cur.called_at);
    if (!since) { $("cur-timer").textContent = "—"; return; }
    var secs = Math.max(0, Math.floor((now.getTime() - since) / 1000));
    var m = Math.floor(secs / 60);
    $("cur-timer").textContent = (m >= 60 ? Math.floor(m / 60) + ":" + pad(m % 60) : pad(m)) + ":" + pad(secs % 60);
  }
  setInterval(tickTimer, 1000);

  // -- start ---------------------------------------------------------------------------
  api("GET", "/api/me").then(function (r) {
    if (r.ok) {
      S.csrf = r.data.csrf_token;
      setOfficer(r.data.officer);
      afterSignIn();
    } else {
      show("signin");
    }
  }, function () {
    show("signin");
    showFormError("Không kết nối được máy chủ.");
  });
})();
