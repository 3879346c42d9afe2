/* The kiosk page: service -> priority -> the number. Touch only, Vietnamese first.
 *
 * Rules kept here:
 *  - one request_id per citizen attempt, reused on every retry: a network blip never makes
 *    two tickets (the server answers the same ticket for the same request_id);
 *  - the number is always shown on screen once taken (the printer may be out of paper);
 *  - a tap landing on the next screen (a double tap) does nothing: each screen ignores
 *    touches for a moment after it appears;
 *  - when the server cannot be reached the page says so plainly and recovers by itself;
 *  - "text me" (a phone number typed on the on-screen keypad) comes after the number, never
 *    before it, and a citizen who walks away leaves no number on the screen (idle -> start).
 */
(function () {
  "use strict";

  const KIOSK = document.body.dataset.kiosk || null;
  // The kiosk's credential (docs/security.md): its device token, given once in the setup
  // link's fragment (/kiosk?kiosk=K1#device_token=...; a fragment never reaches a server log),
  // kept in this browser's storage and sent with every ticket request.
  const DEVICE_TOKEN = (function () {
    const key = "qms.device_token." + (KIOSK || "");
    const given = new URLSearchParams(location.hash.slice(1)).get("device_token");
    try {
      if (given) {
        localStorage.setItem(key, given);
        history.replaceState(null, "", location.pathname + location.search);
      }
      return localStorage.getItem(key) || given;
    } catch (e) { return given; }
  })();
  // What this browser may do: "kiosk" (a device token: every service and priority group),
  // "phone" (no token, the site lets phones take plain tickets: no priority screen, the
  // server refuses priority from phones), "none" (no token, numbers only at the kiosks: the
  // page shows the queue and how to follow a ticket, and offers nothing to choose).
  const DEVICE = DEVICE_TOKEN ? "kiosk" : document.body.dataset.phoneTickets === "1" ? "phone" : "none";
  document.body.dataset.device = DEVICE;
  const DONE_SECONDS = 10;           // the number stays this long, or until touched
  const IDLE_SECONDS = 60;           // a half-finished choice is dropped after this
  const GUARD_MS = 700;              // touches ignored right after a screen change
  const REQUEST_TIMEOUT_MS = 8000;
  const GIVE_UP_MS = 45000;          // keep retrying one attempt this long before saying so

  const TEXT = {
    vi: {
      site_sub: "Lấy số thứ tự tự động",
      title_services: "Lấy số thứ tự",
      lead_services: "Mời công dân chạm vào dịch vụ cần làm",
      waiting: "{n} người chờ",
      waiting_none: "Không có người chờ",
      title_priority: "Công dân có thuộc nhóm ưu tiên không?",
      lead_priority: "Nhóm ưu tiên được mời lên quầy trước.",
      no_priority: "Không thuộc nhóm ưu tiên",
      groups_title: "Hoặc chọn nhóm ưu tiên của công dân:",
      back: "Quay lại",
      busy: "Đang lấy số…",
      busy_retry: "Đang kết nối lại, vui lòng đợi…",
      your_number: "Số thứ tự của công dân",
      ahead: "người trước công dân",
      ahead_one: "người trước công dân",
      ahead_none: "Công dân là người tiếp theo",
      eta_label: "thời gian chờ dự kiến",
      soon: "Sắp tới lượt",
      priority_mark: "Ưu tiên: {g}",
      take_ticket: "Vui lòng nhận phiếu",
      remember_number: "Vui lòng ghi nhớ số này",
      printer_fault: "Máy in đang gặp sự cố.",
      track: "Quét mã bằng điện thoại để theo dõi lượt của công dân",
      finish: "Xong",
      countdown: "({s})",
      error_title: "Chưa lấy được số",
      error_unreachable: "Máy không kết nối được với hệ thống. Vui lòng thử lại hoặc hỏi cán bộ tại quầy.",
      retry: "Thử lại",
      home: "Về màn hình chính",
      retype: "Nhập lại mã",
      offline_title: "Tạm thời chưa lấy được số",
      offline_body: "Máy đang mất kết nối với hệ thống. Máy sẽ tự kết nối lại, vui lòng đợi trong giây lát hoặc hỏi cán bộ tại quầy.",
      reconnecting: "Đang kết nối lại…",
      scan_hint: "Từ 60 tuổi? Quét mã QR trên thẻ Căn cước để được ưu tiên.",
      booking_entry: "Tôi đã đặt lịch hẹn",
      booking_entry_sub: "Nhập mã hoặc quét mã QR",
      title_booking: "Lấy số theo lịch hẹn",
      lead_booking: "Nhập mã đặt lịch (12 chữ số), hoặc quét mã QR lịch hẹn hay thẻ Căn cước",
      booking_submit: "Lấy số",
      booked_mark: "Lịch hẹn lúc {t}",
      before_slot: "Được gọi từ giờ hẹn",
      scan_elderly: "Theo thẻ Căn cước, công dân từ 60 tuổi trở lên: mời chọn «{g}».",
      scan_young: "Đã đọc thẻ Căn cước.",
      lang_button: "English",
      none_heading: "Tình hình chờ",
      none_title: "Đây không phải kiosk lấy số",
      none_text: "Số thứ tự chỉ được lấy tại kiosk ở điểm cấp. Trang này cho xem số người đang chờ của từng dịch vụ.",
      none_lead: "Số người đang chờ của từng dịch vụ",
      none_track: "Đã có phiếu? Quét mã QR trên phiếu bằng điện thoại để theo dõi lượt của công dân.",
      phone_title: "Lấy số bằng điện thoại",
      phone_text: "Số ưu tiên chỉ được lấy tại kiosk ở điểm cấp.",
    },
    en: {
      site_sub: "Take a queue number",
      title_services: "Take a number",
      lead_services: "Touch the service you need",
      waiting: "{n} waiting",
      waiting_none: "Nobody waiting",
      title_priority: "Do you belong to a priority group?",
      lead_priority: "Priority groups are called to the counter first.",
      no_priority: "No priority",
      groups_title: "Or choose your priority group:",
      back: "Back",
      busy: "Taking your number…",
      busy_retry: "Reconnecting, please wait…",
      your_number: "Your number",
      ahead: "people before you",
      ahead_one: "person before you",
      ahead_none: "You are next",
      eta_label: "estimated wait",
      soon: "Soon",
      priority_mark: "Priority: {g}",
      take_ticket: "Please take your ticket",
      remember_number: "Please remember this number",
      printer_fault: "The printer is not working.",
      track: "Scan with your phone to follow your turn",
      finish: "Done",
      countdown: "({s})",
      error_title: "No number yet",
      error_unreachable: "The kiosk cannot reach the system. Please try again or ask an officer at a counter.",
      retry: "Try again",
      home: "Back to start",
      retype: "Type the code again",
      offline_title: "Numbers cannot be taken right now",
      offline_body: "The kiosk has lost its connection. It reconnects by itself: please wait a moment or ask an officer at a counter.",
      reconnecting: "Reconnecting…",
      scan_hint: "60 or older? Scan your ID card\u2019s QR code for priority.",
      booking_entry: "I have a booking",
      booking_entry_sub: "Type the code or scan its QR",
      title_booking: "Number for a booking",
      lead_booking: "Type the booking code (12 digits), or scan the booking's QR or the ID card",
      booking_submit: "Get my number",
      booked_mark: "Booked for {t}",
      before_slot: "Called from the booked time",
      scan_elderly: "Your ID card shows you are 60 or older: please choose «{g}».",
      scan_young: "ID card read.",
      lang_button: "Tiếng Việt",
      none_heading: "The queue now",
      none_title: "This is not a ticket kiosk",
      none_text: "Numbers are taken at the kiosks on site. This page shows how many people wait for each service.",
      none_lead: "People waiting for each service",
      none_track: "Have a ticket? Scan its QR code with your phone to follow your turn.",
      phone_title: "Taking a number by phone",
      phone_text: "Priority numbers are taken at the kiosks on site only.",
    },
  };

  // -- state ---------------------------------------------------------------------------
  const PRINTER_FAULTS = ["paper_out", "offline", "agent_offline"];
  let lang = document.body.dataset.lang === "en" ? "en" : "vi";
  let services = [];          // from /api/services, counts refreshed by `state` pushes
  let groups = [];
  let siteName = { vi: "", en: "" };
  // The server's ticket gate (view.issuing): closed day, outside opening hours ...
  let issuing = { open: true };
  let issuingTimer = null;
  let screen = "services";
  let screenSince = 0;
  let attempt = null;         // {service, request_id, priority, elderly} for one citizen
  let ticket = null;
  let textedTo = null;        // "09xx xxx 678": texted as asked at booking (check-in answer)
  let online = false;         // Socket.IO connected (or the last HTTP call worked)
  let printer = null;         // this kiosk's printer health from the server: {status, message}
  let texting = false;        // the site texts citizens (site.notify_sms): offer "text me"
  let phone = "";             // the digits typed on the keypad, cleared on the way home
  // Clock in the site's time zone and by the server's clock, whatever the kiosk PC says.
  const siteClock = QMS.clock(Number(document.body.dataset.utcOffset || 420),
                              Number(document.body.dataset.serverNow) || undefined);
  let loaded = false;
  let doneTimer = null, idleTimer = null, offlineTimer = null;

  const $ = QMS.$;
  const t = (key, vars) => {
    let s = (TEXT[lang][key] !== undefined ? TEXT[lang][key] : TEXT.vi[key]) || "";
    Object.keys(vars || {}).forEach((k) => { s = s.replace("{" + k + "}", vars[k]); });
    return s;
  };
  const name = (obj, base) => (lang === "en" && obj[base + "_en"]) || obj[base + "_vi"] || "";

  function newRequestId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // -- screens ---------------------------------------------------------------------------
  function show(name) {
    screen = name;
    screenSince = Date.now();
    document.querySelectorAll(".screen").forEach((el) => { el.hidden = el.dataset.screen !== name; });
    document.body.dataset.screen = name;
    renderClosed();
    clearTimeout(idleTimer);
    if (name === "priority" || name === "error" || name === "booking" || name === "notify") {
      armIdle();
    }
    updateOffline();
  }

  // A citizen who walks away: back to the start (and the half-typed number gone).
  function armIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(home, IDLE_SECONDS * 1000);
  }

  function guarded(handler) {
    return function (event) {
      if (Date.now() - screenSince < GUARD_MS) return;  // the second half of a double tap
      handler.call(this, event);
    };
  }

  function home() {
    clearInterval(doneTimer);
    clearTimeout(idleTimer);
    attempt = null;
    ticket = null;
    textedTo = null;
    phone = "";
    renderPhone();
    $("notify-problem").hidden = true;
    if (lang !== (document.body.dataset.lang || "vi")) setLang(document.body.dataset.lang || "vi");
    show("services");
    renderServices();
  }

  // -- language --------------------------------------------------------------------------
  function setLang(next) {
    lang = next;
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    const toggle = $("lang-toggle");
    toggle.textContent = t("lang_button");
    toggle.lang = lang === "vi" ? "en" : "vi";
    $("site-name").textContent = (lang === "en" && siteName.en) || siteName.vi || "\u00a0";
    renderServices();
    renderPriority();
    if (ticket && screen === "done") renderTicket();
    if (attempt && attempt.scanNote) renderScanNote();
    renderClosed();
  }

  // -- services --------------------------------------------------------------------------
  function etaText(eta) {
    return eta ? (lang === "en" ? eta.text_en : eta.text_vi) : "";
  }

  // -- what this browser is: said before anything is chosen ----------------------------------
  function renderDevice() {
    const box = $("not-kiosk");
    box.hidden = DEVICE === "kiosk";
    if (DEVICE === "kiosk") return;
    $("not-kiosk-title").textContent = t(DEVICE + "_title");
    $("not-kiosk-text").textContent = t(DEVICE + "_text");
    $("not-kiosk-track").textContent = DEVICE === "none" ? t("none_track") : "";
    $("not-kiosk-track").hidden = DEVICE !== "none";
    if (DEVICE === "none") {
      document.querySelector("#screen-services h1").textContent = t("none_heading");
      document.querySelector("#screen-services .lead").textContent = t("none_lead");
    }
  }

  function renderServices() {
    renderDevice();
    const list = $("services");
    list.textContent = "";
    list.dataset.count = services.length;
    services.forEach((s) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "service letter-" + s.letter;
      button.dataset.service = s.code;
      button.setAttribute("role", "listitem");
      button.innerHTML =
        '<span class="letter"></span>' +
        '<span class="service-body"><span class="service-name"></span>' +
        '<span class="service-desc"></span>' +
        '<span class="service-stats"><span class="stat-waiting"></span><span class="stat-eta"></span></span></span>' +
        '<span class="chevron" aria-hidden="true">›</span>';
      button.querySelector(".letter").textContent = s.letter;
      button.querySelector(".service-name").textContent = name(s, "name");
      button.querySelector(".service-desc").textContent = name(s, "description");
      fillStats(button, s);
      if (DEVICE === "none") {
        // The queue to read, nothing to press.
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      } else {
        button.addEventListener("click", guarded(() => chooseService(s.code)));
      }
      list.appendChild(button);
    });
  }

  function fillStats(button, s) {
    button.querySelector(".stat-waiting").textContent =
      s.waiting > 0 ? t("waiting", { n: s.waiting }) : t("waiting_none");
    // The wording is the server's one estimator's (eta.text_vi / text_en): "Chưa mở quầy"
    // when no counter serving it is open, "trên 60 phút" for a long wait, never "~0 phút".
    const eta = button.querySelector(".stat-eta");
    eta.textContent = etaText(s.eta);
    eta.hidden = !eta.textContent;
  }

  function applyState(view) {
    if (!view || !Array.isArray(view.services)) return;
    if (KIOSK && "printer" in view) {
      printer = view.printer;
      document.body.dataset.printer = printer ? printer.status : "";  // for styles and tests
    }
    if (view.site) siteName = { vi: view.site.name || siteName.vi, en: view.site.name_en || siteName.en };
    // Only a kiosk checks bookings in (the server refuses phones).
    if (view.site) $("booking-entry").hidden = !(view.site.booking && DEVICE === "kiosk");
    if (view.site) {
      texting = Boolean(view.site.notify_sms);
      if (screen === "done") renderNotifyOffer();
    }
    const byCode = {};
    view.services.forEach((s) => { byCode[s.code] = s; });
    if (!services.length) {
      services = view.services.slice();
      renderServices();
    } else {
      services = services.map((s) => Object.assign({}, s, byCode[s.code] ? {
        waiting: byCode[s.code].waiting, eta_minutes: byCode[s.code].eta_minutes,
        eta: byCode[s.code].eta } : {}));
      services.forEach((s) => {
        const button = document.querySelector('.service[data-service="' + s.code + '"]');
        if (button) fillStats(button, s);
      });
    }
    $("site-name").textContent = (lang === "en" && siteName.en) || siteName.vi || "\u00a0";
    if (view.issuing) setIssuing(view.issuing);
  }

  // -- closed: the day is over or the site is outside its hours ------------------------------
  function setIssuing(next) {
    issuing = next;
    clearTimeout(issuingTimer);
    // The answer changes with the clock (opening time, closing time), not only with events.
    if (next.changes_in !== null && next.changes_in !== undefined) {
      issuingTimer = setTimeout(pollState, Math.min(next.changes_in + 1, 86400) * 1000);
    }
    renderClosed();
  }

  function renderClosed() {
    const closed = !issuing.open && (screen === "services" || screen === "priority");
    if (closed && screen === "priority") home();
    $("closed").hidden = !closed;
    if (!closed) return;
    // Both languages at once: a citizen need not find the language button behind it.
    $("closed-text").textContent = issuing.message;
    $("closed-text-en").textContent = issuing.message_en;
    $("closed-opens").hidden = !issuing.opens_at;
    if (issuing.opens_at) {
      // Site time, as the server wrote it (HH:MM of the ISO string, not the kiosk's zone).
      // The server's words say when; the time is also shown large, readable from afar.
      $("closed-opens").textContent = issuing.opens_at.slice(11, 16);
    }
  }

  function chooseService(code) {
    if (DEVICE === "none" || screen !== "services" || !online || !issuing.open) return;
    const previous = attempt;
    attempt = { service: code, request_id: newRequestId(), priority: null,
                elderly: previous ? previous.elderly : false,
                scanNote: previous ? previous.scanNote : null };
    if (DEVICE === "phone") { submit(null); return; }  // priority is claimed at a kiosk only
    renderPriority();
    show("priority");
  }

  // -- priority --------------------------------------------------------------------------
  function elderlyGroup() {
    return groups.find((g) => g.code === "elderly") ||
      groups.find((g) => /cao tuổi|60/i.test(g.name_vi || "")) || null;
  }

  function renderPriority() {
    const list = $("groups");
    list.textContent = "";
    const suggested = attempt && attempt.elderly ? elderlyGroup() : null;
    groups.forEach((g) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice group" + (suggested && suggested.code === g.code ? " suggested" : "");
      button.dataset.priority = g.code;
      const label = document.createElement("span");
      label.className = "choice-label";
      label.textContent = name(g, "name");
      button.appendChild(label);
      button.addEventListener("click", guarded(() => submit(g.code)));
      list.appendChild(button);
    });
    list.dataset.count = groups.length;
    const chosen = $("chosen");
    chosen.textContent = "";
    const s = attempt && services.find((x) => x.code === attempt.service);
    if (s) {
      const letter = document.createElement("span");
      letter.className = "letter letter-" + s.letter;
      letter.textContent = s.letter;
      const label = document.createElement("span");
      label.textContent = name(s, "name");
      chosen.className = "chosen letter-" + s.letter;
      chosen.append(letter, label);
    }
    renderScanNote();
  }

  function renderScanNote() {
    const note = $("scan-note");
    const g = elderlyGroup();
    if (attempt && attempt.elderly && g) {
      note.textContent = t("scan_elderly", { g: name(g, "name") });
      note.hidden = false;
    } else {
      note.hidden = true;
    }
  }

  // -- taking the ticket ------------------------------------------------------------------
  function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

  async function postTicket(body, path) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(path || "/api/tickets", {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" },
                               DEVICE_TOKEN ? { "X-Kiosk-Token": DEVICE_TOKEN } : {}),
        body: JSON.stringify(body), signal: controller.signal, cache: "no-store",
      });
      let data = null;
      try { data = await response.json(); } catch (e) { /* a proxy's HTML error page */ }
      return { status: response.status, data: data };
    } finally {
      clearTimeout(timer);
    }
  }

  async function submit(priority) {
    if (!attempt || screen === "busy" || screen === "done") return;
    attempt.priority = priority;
    const mine = attempt;
    show("busy");
    $("busy-text").textContent = t("busy");
    const started = Date.now();
    for (;;) {
      let answer = null;
      try {
        // A check-in (attempt.checkin: the code or the card's QR) or a walk-in ticket; the
        // same request_id on every retry either way.
        answer = mine.checkin
          ? await postTicket(Object.assign({ request_id: mine.request_id, kiosk: KIOSK }, mine.checkin),
                             "/api/checkin")
          : await postTicket({ service: mine.service, priority: mine.priority,
                               request_id: mine.request_id, kiosk: KIOSK });
      } catch (e) {
        answer = null;  // unreachable or timed out: same request_id next time
      }
      if (attempt !== mine) return;  // dropped meanwhile
      if (answer && (answer.status === 200 || answer.status === 201) && answer.data && answer.data.ticket) {
        markOnline(true);
        ticket = answer.data.ticket;
        textedTo = (answer.data.notify && answer.data.notify.phone) || null;
        showTicket();
        return;
      }
      const retryable = !answer || answer.status >= 500 || answer.status === 429 || !answer.data;
      if (!retryable) {
        const error = (answer.data && answer.data.error) || {};
        showError(lang === "en" ? (error.message_en || error.message) : (error.message || error.message_en));
        // A mistyped or unknown code: back to the keypad with the code as typed, to fix one
        // character rather than start again from the services.
        $("retype").hidden = !(mine.checkin && mine.checkin.code &&
                               (error.code === "bad_code" || error.code === "no_booking"));
        return;
      }
      if (!answer) markOnline(false);
      if (Date.now() - started > GIVE_UP_MS) {
        showError(t("error_unreachable"), true);
        return;
      }
      $("busy-text").textContent = t("busy_retry");
      await sleep(1500);
      if (attempt !== mine) return;
    }
  }

  function showError(message, canRetry) {
    $("error-text").textContent = message || t("error_unreachable");
    $("retry").hidden = !canRetry;
    $("retype").hidden = true;
    show("error");
  }

  // -- the number ------------------------------------------------------------------------
  function renderTicket() {
    const tk = ticket;
    $("number").textContent = tk.number;
    // A long label (two letters, four digits) in portrait: shrink to the card, never cut.
    requestAnimationFrame(() => QMS.fitText($("number"), 0.4));
    $("ticket-service").textContent = (lang === "en" && tk.service_name_en) || tk.service_name_vi || "";
    const prio = $("ticket-priority");
    const g = tk.priority && groups.find((x) => x.code === tk.priority);
    const gname = g ? name(g, "name") : ((lang === "en" && tk.priority_name_en) || tk.priority_name_vi || tk.priority);
    prio.hidden = !tk.priority && !tk.booked;
    prio.textContent = tk.priority ? t("priority_mark", { g: gname })
      : tk.booked ? t("booked_mark", { t: (tk.slot_start || "").slice(11, 16) }) : "";
    const ahead = Number(tk.position) || 0;
    $("ahead").textContent = ahead > 0 ? String(ahead) : "0";
    $("ahead-label").textContent = ahead > 1 ? t("ahead") : ahead === 1 ? t("ahead_one") : t("ahead_none");
    if (tk.before_slot) {  // early for the slot: not "you are next" but the slot's time
      $("ahead").textContent = (tk.slot_start || "").slice(11, 16);
      $("ahead-label").textContent = t("before_slot");
    }
    const kind = tk.eta ? tk.eta.kind : "soon";
    $("eta").textContent = etaText(tk.eta) || t("soon");
    $("eta").classList.toggle("is-text", kind !== "minutes");
    requestAnimationFrame(() => QMS.fitText($("eta"), 0.5));
    // "Chưa mở quầy" is not a wait time: no "thời gian chờ dự kiến" under it.
    $("eta-label").textContent = kind === "closed" ? "" : t("eta_label");
    $("eta-label").hidden = kind === "closed";
    // No kiosk id, or a printer that cannot print: no paper comes out, so the citizen must
    // keep the number in mind (staff see the printer alert on their counters).
    const printable = KIOSK && !(printer && PRINTER_FAULTS.includes(printer.status));
    $("take-text").textContent = printable ? t("take_ticket")
      : (KIOSK ? t("printer_fault") + " " : "") + t("remember_number");
    $("take").classList.toggle("no-printer", !printable);
    const track = $("track");
    if (tk.track) {
      const img = $("track-qr");
      img.onerror = () => { track.hidden = true; };
      img.onload = () => { track.hidden = false; };
      const src = new URL(tk.track_url, location.href).pathname + "/qr.svg";
      if (img.getAttribute("src") !== src) img.src = src;
      else track.hidden = !img.complete || img.naturalWidth === 0;
    } else {
      track.hidden = true;
    }
    renderNotifyOffer();
  }

  // -- "text me when my turn nears" (POST /api/tickets/<track>/notify) ------------------------
  function renderNotifyOffer() {
    const waiting = Boolean(ticket && ticket.status === "waiting");
    $("notify-offer").hidden = !(texting && DEVICE === "kiosk" && ticket && ticket.track &&
                                 waiting && !textedTo);
    $("notify-set").hidden = !(waiting && textedTo);
    if (textedTo) {
      $("notify-set").textContent = "✉ Sẽ nhắn tới " + textedTo + " khi sắp đến lượt";
      $("notify-set").appendChild(QMS.el("span", "en", "We will text " + textedTo + " when your turn is near")).lang = "en";
    }
  }

  function renderPhone() {
    // Ten places in groups 4-3-3 ("0987 654 321"); the places still to type are dots, so an
    // elderly citizen sees how many digits are left.
    const shown = $("phone-shown");
    shown.textContent = "";
    for (let i = 0; i < 10; i += 1) {
      const place = document.createElement("span");
      place.className = i < phone.length ? "digit" : "digit empty";
      place.textContent = i < phone.length ? phone[i] : "·";
      if (i === 4 || i === 7) place.classList.add("gap");
      shown.appendChild(place);
    }
    shown.dataset.digits = phone;
    $("notify-send").classList.toggle("ready", phone.length === 10);
  }

  function notifyProblem(vi, en) {
    const problem = $("notify-problem");
    problem.textContent = "";
    const line = document.createElement("span");
    line.textContent = vi;
    const small = document.createElement("span");
    small.className = "en";
    small.lang = "en";
    small.textContent = en || "";
    problem.append(line, small);
    problem.hidden = false;
  }

  function openNotify() {
    if (screen !== "done" || !ticket || !ticket.track) return;
    clearInterval(doneTimer);  // the citizen is busy here: the number screen's countdown stops
    phone = "";
    renderPhone();
    $("notify-problem").hidden = true;
    $("notify-for").textContent = "Số " + ticket.number;
    show("notify");
  }

  function pressKey(key) {
    if (screen !== "notify") return;
    armIdle();
    if (key === "delete") phone = phone.slice(0, -1);
    else if (key === "clear") phone = "";
    else if (phone.length < 10) phone += key;
    $("notify-problem").hidden = true;
    renderPhone();
  }

  let sending = false;
  async function sendPhone() {
    if (screen !== "notify" || sending || !ticket) return;
    armIdle();
    if (phone.length < 10) {
      notifyProblem("Số điện thoại di động cần đủ 10 chữ số.", "A mobile number has 10 digits.");
      return;
    }
    if (!QMS.mobilePhone(phone)) {  // the server's rule (server/static/core/qms.js)
      notifyProblem("Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).",
                    "Not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09).");
      return;
    }
    const mine = ticket;
    sending = true;
    $("notify-send").disabled = true;
    let answer = null;
    try {
      answer = await postTicket({ phone: phone },
                                "/api/tickets/" + encodeURIComponent(mine.track) + "/notify");
    } catch (e) {
      answer = null;
    } finally {
      sending = false;
      $("notify-send").disabled = false;
    }
    if (ticket !== mine || screen !== "notify") return;  // gone home meanwhile
    if (answer && answer.status === 200 && answer.data && answer.data.ok) {
      // The server's masked number ("09xx xxx 321"): nobody behind the citizen reads it whole.
      showNotified((answer.data.notify && answer.data.notify.phone) || "", answer.data.ahead);
      return;
    }
    const error = (answer && answer.data && answer.data.error) || null;
    if (error) notifyProblem(error.message, error.message_en);
    else notifyProblem("Chưa gửi được, vui lòng chạm «Xong» lần nữa.", "Not sent yet; please touch Done again.");
  }

  function showNotified(shownPhone, ahead) {
    phone = "";  // said back masked; the digits are not kept on the page
    renderPhone();
    const n = Number(ahead) || 3;
    // The number never breaks over two lines.
    const said = (before, after) => {
      const number = document.createElement("span");
      number.className = "phone";
      number.textContent = shownPhone;
      return [before, number, after];
    };
    // Already that near (or early for a booked slot): "when 3 are ahead" would never come true
    // as said; the text goes once a counter that can call the citizen is open.
    const near = ticket && (ticket.before_slot || (Number(ticket.position) || 0) <= n);
    if (near) {
      $("notified-text").replaceChildren(...said("Sẽ nhắn tới ", " khi sắp đến lượt"));
      $("notified-en").replaceChildren(...said("We will text ", " when your turn is near"));
    } else {
      $("notified-text").replaceChildren(...said("Sẽ nhắn tới ", " khi còn " + n + " người"));
      $("notified-en").replaceChildren(...said("We will text ", " when " + n +
        (n === 1 ? " person is" : " people are") + " ahead of you"));
    }
    show("notified");
    countDownHome("notified-countdown");
  }

  // The seconds left on a screen that goes back to the services by itself, shown in `id`.
  function countDownHome(id) {
    let left = DONE_SECONDS;
    $(id).textContent = t("countdown", { s: left });
    clearInterval(doneTimer);
    doneTimer = setInterval(() => {
      left -= 1;
      $(id).textContent = t("countdown", { s: Math.max(left, 0) });
      if (left <= 0) home();
    }, 1000);
  }

  function showTicket() {
    // A phone keeps its number on its own tracking page (live, as the display calls), not on
    // a kiosk screen that goes back to the services after a few seconds.
    if (DEVICE === "phone" && ticket.track_url) {
      location.assign(ticket.track_url.replace(/^https?:\/\/[^/]+/, ""));
      return;
    }
    renderTicket();
    show("done");
    countDownHome("countdown");
  }

  // -- connection --------------------------------------------------------------------------
  function markOnline(value) {
    if (value) {
      clearTimeout(offlineTimer);
      offlineTimer = null;
      if (!online) { online = true; updateOffline(); }
    } else if (online && offlineTimer === null) {
      // A short blip (a server restart) is not worth alarming anyone: wait a moment. Later
      // failures while waiting (each reconnection attempt says so) do not start it again, or
      // attempts coming faster than the wait would keep a dead link looking alive.
      offlineTimer = setTimeout(() => { online = false; offlineTimer = null; updateOffline(); }, 1500);
    }
  }

  function updateOffline() {
    // The number on the done screen is never covered; elsewhere the citizen is told plainly.
    const blocked = !online && loaded && (screen === "services" || screen === "priority");
    $("offline").hidden = !blocked;
    document.body.classList.toggle("is-offline", !online && loaded);
  }

  async function loadServices() {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 8000)) {
      try {
        const response = await fetch("/api/services", { cache: "no-store" });
        if (response.ok) {
          const data = await response.json();
          groups = data.priority_groups || [];
          services = [];
          applyState({ services: data.services });
          renderPriority();
          markOnline(true);
          return;
        }
      } catch (e) { /* try again */ }
      loaded = true;
      markOnline(false);
      await sleep(delay);
    }
  }

  function connect() {
    if (typeof io !== "function") {
      // No Socket.IO client: poll the public state instead.
      setInterval(pollState, 5000);
      pollState();
      return;
    }
    QMS.live({
      join: () => {
        if (!groups.length) loadServices();
        return KIOSK ? { role: "kiosk", kiosk: KIOSK } : { role: "kiosk" };
      },
      onState: (view) => applyState(view),
      onStatus: (connected, ack) => markOnline(connected && !(ack && ack.ok === false)),
    });
  }

  async function pollState() {
    try {
      const response = await fetch("/api/state", { cache: "no-store" });
      if (!response.ok) throw new Error(response.status);
      applyState(await response.json());
      markOnline(true);
    } catch (e) {
      markOnline(false);
    }
  }

  // -- the CCCD scanner (optional) --------------------------------------------------------
  function checkIn(what) {
    if (screen !== "booking") return;
    attempt = { checkin: what, request_id: newRequestId() };
    submit(null);
  }

  function onScan(text) {
    if (screen === "booking") {
      // A card scanned to check in: its text goes to the server, which hashes the number
      // and keeps nothing of it (server/appointments/checkin.py).
      $("booking-code").value = "";
      if (window.CCCD && window.CCCD.parse(text)) checkIn({ cccd_qr: text });
      return;
    }
    const card = window.CCCD && window.CCCD.parse(text);
    text = null;  // nothing of the card is kept
    if (!card || (screen !== "services" && screen !== "priority")) return;
    const elderly = card.age >= 60;
    if (!attempt) attempt = { service: null, request_id: null, priority: null };
    attempt.elderly = elderly;
    attempt.scanNote = true;
    if (screen === "priority") renderPriority();
  }

  // -- clock -------------------------------------------------------------------------------
  function tick() {
    $("clock").innerHTML = '<span class="time"></span><span class="date"></span>';
    $("clock").firstChild.textContent = siteClock.hhmm();
    $("clock").lastChild.textContent = siteClock.dateVi().split(", ")[1];
  }

  // -- the 10-key pad: the phone number's (text me) and the booking code's, one layout ----------
  // 1-9, then Clear, 0, Delete, as on a phone; each key's data-key is what press() gets.
  function digitKeypad(pad, press) {
    for (const name of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete"]) {
      let key;
      if (name === "clear") {
        key = QMS.el("button", "key key-word", "Xóa hết ");
        key.appendChild(QMS.el("span", "en", "Clear")).lang = "en";
      } else if (name === "delete") {
        key = QMS.el("button", "key key-word", "⌫ Xóa ");
        key.appendChild(QMS.el("span", "en", "Delete")).lang = "en";
        key.setAttribute("aria-label", "Xóa một số — Delete");
      } else {
        key = QMS.el("button", "key", name);
      }
      key.type = "button";
      key.dataset.key = name;
      key.addEventListener("click", guarded(() => press(name)));
      pad.appendChild(key);
    }
  }

  // -- wiring ------------------------------------------------------------------------------
  $("lang-toggle").addEventListener("click", () => setLang(lang === "vi" ? "en" : "vi"));
  $("no-priority").addEventListener("click", guarded(() => submit(null)));
  $("back").addEventListener("click", guarded(() => { attempt = null; show("services"); }));
  $("finish").addEventListener("click", guarded(home));
  $("screen-done").addEventListener("click", (event) => {
    if (Date.now() - screenSince > 1500 && event.target.closest("#finish, #notify-offer") === null) home();
  });
  $("notify-offer").addEventListener("click", guarded(openNotify));
  digitKeypad($("keypad"), pressKey);
  $("notify-send").addEventListener("click", guarded(sendPhone));
  $("notify-skip").addEventListener("click", guarded(home));
  $("notified-home").addEventListener("click", guarded(home));
  $("retry").addEventListener("click", guarded(() => { if (attempt) submit(attempt.priority); }));
  $("home").addEventListener("click", guarded(home));
  $("retype").addEventListener("click", guarded(() => {
    const typed = attempt && attempt.checkin && attempt.checkin.code;
    attempt = null;
    show("booking");
    $("booking-code").value = shownCode((typed || "").toUpperCase().replace(/[^0-9A-Z]/g, ""));
    $("booking-code").focus();
  }));
  $("booking-entry").addEventListener("click", guarded(() => {
    $("booking-code").value = "";
    show("booking");
    $("booking-code").focus();
  }));
  $("booking-back").addEventListener("click", guarded(home));
  // -- the booking code's keypad -----------------------------------------------------------
  // A code is 12 digits (server/hub/booking_code.py), read out in groups of four.
  // Codes issued before were 9 characters from 2-9 and A-Z: one still arrives from a
  // booking's QR (the scanner types it here) or from "Nhập lại", so letters are kept.
  const CODE_LENGTH = 12;
  function shownCode(raw) {  // "0123-4567-8901" (an old code "ABCD-EFGH-J"), as the booking page shows it
    return [raw.slice(0, 4), raw.slice(4, 8), raw.slice(8)].filter(Boolean).join("-");
  }
  function pressCodeKey(key) {
    if (screen !== "booking") return;
    armIdle();
    let raw = $("booking-code").value.toUpperCase().replace(/[^0-9A-Z]/g, "");
    if (key === "delete") raw = raw.slice(0, -1);
    else if (key === "clear") raw = "";
    else if (raw.length < CODE_LENGTH) raw += key;
    $("booking-code").value = shownCode(raw);
  }
  digitKeypad($("code-keypad"), pressCodeKey);
  // The input keeps the focus (a scanner types into it); a key's tap does not take it.
  $("code-keypad").addEventListener("pointerdown", (event) => event.preventDefault());

  function typedCode() {
    const code = $("booking-code").value.trim();
    if (code && code.indexOf("|") < 0) checkIn({ code: code });
  }
  $("booking-submit").addEventListener("click", guarded(typedCode));
  // Enter from the keyboard or a scanner's suffix (the scanner reader may have taken the
  // key's default away, so it is read here).
  $("booking-code").addEventListener("keydown", (event) => { if (event.key === "Enter") typedCode(); });
  document.addEventListener("contextmenu", (e) => e.preventDefault());  // long press
  if (new URLSearchParams(location.search).get("scanner") === "1") {
    $("scan-hint").hidden = false;
  }
  if (window.CCCD) window.CCCD.ScannerInput(onScan);

  renderPhone();
  setLang(lang);
  tick();
  setInterval(tick, 15000);
  show("services");
  loadServices().then(() => {
    loaded = true;
    document.body.classList.remove("booting");
    updateOffline();
  });
  connect();
})();
