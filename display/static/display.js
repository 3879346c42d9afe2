/* Wall display: renders `state` pushes (server/views.py public_view) and announces new calls.
 *
 * Rules:
 *  - Live by push (Socket.IO), never polling. On every (re)connect it joins again and the server
 *    answers with a fresh snapshot.
 *  - A call is new only if its `seq` is above the highest call seq this page has already seen.
 *    The first snapshot after load shows calls without announcing them. The first snapshot after
 *    a reconnect announces only calls that are new AND made in the last RECONNECT_FRESH_MS (a
 *    call made during a short network blip is still heard; an old one never is).
 *  - Announcements queue up and play one after another, never overlapping; a recall is a new
 *    recent_calls entry with its own seq, so it is announced again.
 *  - For tests: window.__announced (seqs decided to announce), window.__played (seqs whose audio
 *    ended), window.__playLog ({seq, start, end} per play), window.__displayState (last state), window.__snapshots (count of states applied).
 */
(function () {
  "use strict";

  var CONFIG = JSON.parse(document.getElementById("display-config").textContent);
  var RECONNECT_FRESH_MS = 20000;
  var FLASH_MS = 5000;
  var RECENT_SHOWN = 4;
  var SOUND_KEY = "qms.display.sound";
  var siteClock = QMS.clock(CONFIG.utc_offset_minutes, CONFIG.server_now_ms);
  var W = QMS.words;
  var STATE_WORDS = { closed: W.closed, paused: W.paused, open: W.idle };

  window.__announced = [];
  window.__played = [];
  window.__playLog = [];
  window.__snapshots = 0;
  window.__displayState = null;

  var $ = QMS.$, el = QMS.el;

  // -- clock in the site's time zone ---------------------------------------------------
  function tickClock() {
    $("clock-vi").textContent = siteClock.dateVi() + " — " + siteClock.hhmm();
    $("clock-en").textContent = siteClock.dateEn();
  }
  var fitText = QMS.fitText;
  function fitHeader() {
    fitText($("site-name"), 0.6);
    fitText($("site-name-en"), 0.6);
  }
  tickClock();
  setInterval(tickClock, 1000);
  fitHeader();
  window.addEventListener("resize", function () { fitHeader(); fitAll(); });
  // Measured again once the site font has loaded (it is wider than the fallback).
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { fitHeader(); fitAll(); });

  // -- scrolling notice ----------------------------------------------------------------
  var shownNotice = null;
  function showNotice(text) {
    if (text === shownNotice) return;
    shownNotice = text;
    $("ticker-text").textContent = text || "";
    $("ticker").hidden = !text;
    $("app").classList.toggle("no-ticker", !text);
    var seconds = Math.max(15, Math.round((text || "").length * 0.28));
    $("ticker-text").style.setProperty("--ticker-duration", seconds + "s");
  }
  showNotice(CONFIG.notice);

  // -- sound: one touch to satisfy autoplay rules, remembered ---------------------------
  var player = $("player");
  var soundEnabled = false;
  var soundButton = $("sound");
  var unlocking = null;       // the silent clip's play(), until it settles

  function unlockAudio() {
    // Inside the user's touch, play a real (silent) clip on the same element: that unlocks
    // it for later plays. Nothing is paused when this settles, so the promise cannot stop a
    // call clip started after it; the queue waits for it instead.
    var started = null;
    player.src = CONFIG.silence_url;
    try { started = player.play(); } catch (e) { started = null; }
    if (!started || !started.then) return;
    var settle = function () { if (unlocking === started) { unlocking = null; pump(); } };
    unlocking = started;
    started.then(settle, settle);
  }
  function setSound(on) {
    soundEnabled = on;
    soundButton.hidden = on;
    try { localStorage.setItem(SOUND_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }
  soundButton.addEventListener("click", function () {
    setSound(true);
    unlockAudio();
    pump();
  });
  var remembered = null;
  try { remembered = localStorage.getItem(SOUND_KEY); } catch (e) { remembered = null; }
  if (remembered === "1") {
    soundEnabled = true;  // the browser may still refuse; a refused play shows the button again
  } else {
    soundButton.hidden = false;
  }

  // -- the announcement queue ----------------------------------------------------------
  // A burst of calls must not keep the hall waiting behind ~8 s per call: the chime rings
  // once per burst, a call with others behind it gets the compact phrase ("A025 đến quầy số
  // 3"), and once the backlog passes BACKLOG_BRIEF_S only number and counter are said.
  var BURST_GAP_MS = 8000;      // a call this soon after the last one ended is the same burst
  var BACKLOG_BRIEF_S = 15;
  var GAP_S = 0.5;              // a short breath between two calls
  var seconds = { full: 8, compact: 4, brief: 2.5 };  // learnt from the clips actually played
  var queue = [];
  var playing = false;
  var playTimer = null;
  var lastEnd = 0;

  function announce(call) {
    window.__announced.push(call.seq);
    queue.push(call);
    pump();
  }
  function finish(call, played) {
    if (played) window.__played.push(call.seq);
    var entry = window.__playLog[window.__playLog.length - 1];
    if (entry && entry.seq === call.seq && !entry.end) { entry.end = Date.now(); entry.played = played; }
    clearTimeout(playTimer);
    playing = false;
    lastEnd = Date.now();
    player.onended = player.onerror = player.onloadedmetadata = null;
    setTimeout(pump, GAP_S * 1000);
  }
  // How to say the next call: the phrase form and whether the chime opens it.
  function phraseFor(behind) {
    var inBurst = lastEnd && Date.now() - lastEnd < BURST_GAP_MS;
    var backlog = (behind + 1) * (seconds.compact + GAP_S);
    var form = backlog > BACKLOG_BRIEF_S ? "brief" : (behind || inBurst ? "compact" : "full");
    return { form: form, chime: !inBurst };
  }
  function pump() {
    if (playing || unlocking || !queue.length) return;
    if (!soundEnabled) { queue.length = 0; return; }  // visual only
    var call = queue.shift();
    var how = phraseFor(queue.length);
    var entry = { seq: call.seq, number: call.number, counter: call.counter, form: how.form,
                  chime: how.chime, start: Date.now(), end: null, duration: null };
    playing = true;
    window.__playLog.push(entry);
    player.onended = function () { finish(call, true); };
    player.onerror = function () { finish(call, false); };
    // A clip that never ends (a stalled network) is given up after its own length, not 30 s.
    playTimer = setTimeout(function () { player.pause(); finish(call, false); }, 10000);
    player.onloadedmetadata = function () {
      if (!isFinite(player.duration)) return;
      entry.duration = player.duration;
      seconds[how.form] = how.chime ? Math.max(1, player.duration - 1.5) : player.duration;
      clearTimeout(playTimer);
      playTimer = setTimeout(function () { player.pause(); finish(call, false); },
                             player.duration * 1000 + 3000);
    };
    player.src = CONFIG.announcement_url + "?number=" + encodeURIComponent(call.number) +
      "&counter=" + encodeURIComponent(call.counter) + "&form=" + how.form +
      "&chime=" + (how.chime ? "1" : "0");
    entry.src = player.src;
    var started = player.play();
    if (started && started.catch) {
      started.catch(function (err) {
        if (err && err.name === "NotAllowedError") {
          // Autoplay refused (a new browser profile): ask for the touch again.
          soundEnabled = false;
          soundButton.hidden = false;
          queue.length = 0;
        }
        if (playing && window.__playLog[window.__playLog.length - 1] === entry) finish(call, false);
      });
    }
  }

  // -- rendering -----------------------------------------------------------------------
  var flashTimer = null;
  function flashHero() {
    var hero = $("hero");
    hero.classList.remove("flash");
    void hero.offsetWidth;  // restart the animation
    hero.classList.add("flash");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { hero.classList.remove("flash"); }, FLASH_MS);
  }

  // `counters`: the tiles' state. A call whose counter no longer serves its number (done,
  // absent, transferred) is shown as the last call, not as an invitation to come.
  function renderHero(latest, counters) {
    var hero = $("hero");
    if (!latest) {
      hero.setAttribute("data-empty", "1");
      $("hero-number").textContent = "—";
      $("hero-counter").textContent = "—";
      $("hero-recall").hidden = true;
      return;
    }
    var at = (counters || []).filter(function (c) { return c.number === latest.counter; })[0];
    var over = !!at && at.serving !== latest.number;
    hero.setAttribute("data-empty", "0");
    hero.setAttribute("data-over", over ? "1" : "0");
    hero.setAttribute("data-seq", latest.seq);
    $("hero-number").textContent = latest.number;
    $("hero-counter").textContent = latest.counter;
    $("hero-recall").hidden = !latest.recall || over;
  }

  // Keeps the node of every item that did not change (a patched state shares such items with
  // the state before, QMS.applyPatch) and builds the others; returns the nodes it built.
  // `sig`: what a node shows besides its item (a counter tile's "latest" mark).
  function renderKeyed(box, kept, items, key, sig, build) {
    var next = {}, nodes = [], built = [];
    items.forEach(function (item) {
      var k = key(item), mark = sig(item), old = kept.nodes[k];
      var node = old && old.item === item && old.mark === mark ? old.node : null;
      if (!node) { node = build(item); built.push(node); }
      next[k] = { item: item, mark: mark, node: node };
      nodes.push(node);
    });
    kept.nodes = next;
    Array.prototype.slice.call(box.children).forEach(function (child) {
      if (nodes.indexOf(child) < 0) box.removeChild(child);
    });
    nodes.forEach(function (node, i) {
      if (box.children[i] !== node) box.insertBefore(node, box.children[i] || null);
    });
    return built;
  }

  var counterTiles = { nodes: {} }, serviceRows = { nodes: {} };

  function isLatest(c, latest) {
    return !!(c.serving && latest && latest.counter === c.number && latest.number === c.serving);
  }

  // Returns the tile names it drew (to be fitted).
  function renderCounters(counters, latest) {
    var box = $("counters");
    box.classList.toggle("many", counters.length > 6);
    return renderKeyed(box, counterTiles, counters, function (c) { return c.number; },
                       function (c) { return isLatest(c, latest); }, function (c) {
      var tile = el("div", "tile " + c.state);
      tile.setAttribute("data-counter", c.number);
      var name = el("div", "tile-name", c.name || ("Quầy " + c.number));
      if (c.state === "paused" && c.serving) name.appendChild(el("span", "tile-paused", " · Tạm dừng"));
      tile.appendChild(name);
      if (c.serving) {
        if (c.serving_priority) name.appendChild(el("span", "prio", "Ưu tiên"));
        if (c.serving_booked) name.appendChild(el("span", "prio booked", "Lịch hẹn"));
        tile.appendChild(el("div", "tile-number", c.serving));
        if (isLatest(c, latest)) tile.classList.add("latest");
      } else {
        var words = STATE_WORDS[c.state] || [c.state, ""];
        var st = el("div", "tile-state", words[0]);
        st.appendChild(el("span", "en", words[1]));
        tile.appendChild(st);
      }
      return tile;
    }).map(function (tile) { return tile.querySelector(".tile-name"); });
  }

  function renderRecent(calls) {
    var list = $("recent");
    list.textContent = "";
    var shown = calls.slice(0, RECENT_SHOWN);
    if (!shown.length) {
      var li = el("li", "empty-row");
      li.appendChild(el("span", "empty", "Chưa có số nào được gọi · No calls yet"));
      list.appendChild(li);
      return;
    }
    shown.forEach(function (c) {
      var li = el("li", "chip");
      li.setAttribute("data-seq", c.seq);
      var left = el("span", "r-number", c.number);
      if (c.recall) left.appendChild(el("span", "r-recall", "gọi lại"));
      if (c.booked) left.appendChild(el("span", "r-booked", "hẹn"));
      li.appendChild(left);
      var right = el("span", "r-counter");
      right.appendChild(el("small", null, "→ "));
      right.appendChild(document.createTextNode(String(c.counter)));
      li.appendChild(right);
      list.appendChild(li);
    });
  }

  // Shrink the recent-call chips and the tile titles that do not fit their boxes.
  function fitNodes(nodes) {
    Array.prototype.forEach.call(nodes, function (node) { fitText(node, 0.45); });
  }
  function fitAll() {
    fitNodes(document.querySelectorAll("#recent li.chip, #counters .tile-name"));
  }

  function renderServices(services) {
    var list = $("services");
    list.classList.toggle("many", services.length > 6);
    renderKeyed(list, serviceRows, services, function (s) { return s.code; },
                function () { return ""; }, function (s) {
      var li = el("li");
      li.setAttribute("data-service", s.code);
      li.appendChild(el("span", "s-letter", s.letter));
      var name = el("span", "s-name", s.name_vi);
      name.appendChild(el("span", "en", s.name_en));
      li.appendChild(name);
      var waiting = el("span", "s-waiting", String(s.waiting));
      li.appendChild(waiting);
      // The wait a citizen taking a number now would have, worded by the server's one
      // estimator: "Chưa mở quầy", "Sắp tới lượt", "15–25 phút", "trên 60 phút".
      var etaNode = el("span", "s-eta", s.eta ? s.eta.text_vi : "—");
      etaNode.setAttribute("data-kind", s.eta ? s.eta.kind : "");
      if (s.eta && s.eta.kind === "closed") etaNode.style.color = "var(--muted)";
      li.appendChild(etaNode);
      return li;
    });
  }

  // -- state handling ------------------------------------------------------------------
  var maxCallSeq = null;      // highest call seq seen; null until the first snapshot

  var shown = null;           // the state on screen: parts a patch left alone are not redrawn

  // `fresh`: the first snapshot after a (re)connect (QMS.live keeps the seq order).
  function applyState(state, fresh) {
    var before = shown;
    shown = state;
    window.__displayState = state;
    // The site's notice as the admin last saved it (unless this display was given its own).
    if (!CONFIG.notice_fixed && typeof state.notice === "string") showNotice(state.notice);
    window.__snapshots += 1;
    $("conn").hidden = true;

    var calls = (state.recent_calls || []).slice().sort(function (a, b) { return b.seq - a.seq; });
    var latest = calls[0] || null;
    var highest = latest ? latest.seq : 0;

    var toAnnounce = [];
    if (maxCallSeq === null) {
      maxCallSeq = highest;                 // first snapshot after load: show, do not announce
    } else {
      var now = siteClock.serverMs();
      calls.forEach(function (c) {
        if (c.seq <= maxCallSeq) return;
        if (fresh) {
          // Catch-up after a reconnect: only a call made moments ago is still news.
          var at = Date.parse(c.at);
          if (!(at && now - at <= RECONNECT_FRESH_MS)) return;
        }
        toAnnounce.push(c);
      });
      if (fresh && highest < maxCallSeq) maxCallSeq = highest;  // the store was reset
      else maxCallSeq = Math.max(maxCallSeq, highest);
    }

    // A patched state shares the parts that did not change with the one before (QMS.applyPatch):
    // on a slow TV stick the redraw, not the push, is the cost, so only what changed is drawn.
    // Within a list, only the items that changed get new nodes, and only new nodes are fitted.
    var callsChanged = !before || state.recent_calls !== before.recent_calls;
    var drawn = [];
    if (callsChanged || state.counters !== before.counters) renderHero(latest, state.counters);
    if (callsChanged) {
      renderRecent(calls);
      drawn = drawn.concat(Array.prototype.slice.call(document.querySelectorAll("#recent li.chip")));
    }
    if (callsChanged || state.counters !== before.counters) {
      var many = $("counters").classList.contains("many");
      drawn = drawn.concat(renderCounters(state.counters || [], latest));
      // Another number of tiles resizes every tile: all are fitted again.
      if (many !== $("counters").classList.contains("many") || !before ||
          (before.counters || []).length !== (state.counters || []).length) drawn = null;
    }
    if (!before || state.services !== before.services) renderServices(state.services || []);
    if (drawn === null) fitAll(); else fitNodes(drawn);
    $("day-closed").hidden = state.day_open !== false;

    if (toAnnounce.length) {
      toAnnounce.sort(function (a, b) { return a.seq - b.seq; }).forEach(announce);
      flashHero();
    }
  }

  // -- the connection ------------------------------------------------------------------
  // deltas: after the snapshot, each change comes as a patch of the view before (issue 15).
  var joinPayload = { role: "display", deltas: true };
  if (CONFIG.services) joinPayload.services = CONFIG.services;
  if (CONFIG.counters) joinPayload.counters = CONFIG.counters;

  var connection = QMS.live({
    join: joinPayload,
    onState: applyState,
    onStatus: function (connected, ack) {
      if (ack && ack.ok === false) {
        $("conn").hidden = false;
        $("conn").textContent = (ack.error && ack.error.message) || "Lỗi kết nối";
      } else if (!connected) {
        $("conn").hidden = false;
      }
    }
  });
  window.__displaySocket = connection.socket;
})();
