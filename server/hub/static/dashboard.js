/* The provincial dashboard (server/hub/dashboard.py): every site as a tile, kept live over
 * Socket.IO (the hub's sockets admit signed-in hub users only). On (re)connect it asks for a `snapshot` (every tile); after that
 * the hub pushes `tiles` with only the sites that changed, at most about once a second. Waits
 * tick here, from the oldest waiting ticket's time on the hub's clock, so a quiet site's
 * longest wait still grows without any push. A tile opens the site's queue (read-only); the
 * panel asks for it again whenever that site's tile is pushed.
 */
(function () {
  "use strict";
  var Q = window.QMS, $ = Q.$, el = Q.el;
  var OFFSET = parseInt(document.body.getAttribute("data-utc-offset"), 10) || 420;
  var tiles = {};        // site_id -> latest tile
  var nodes = {};        // site_id -> tile element
  var skewMs = 0;        // hub clock minus this device's clock
  var openSite = null;   // the site whose queue panel is open
  var clock = Q.clock(OFFSET);

  function hubNow() { return (Date.now() + skewMs) / 1000; }
  function setHubNow(seconds) { skewMs = seconds * 1000 - Date.now(); clock = Q.clock(OFFSET, seconds * 1000); }

  function hhmm(seconds) {
    var d = new Date(seconds * 1000 + OFFSET * 60000);
    return Q.pad(d.getUTCHours()) + ":" + Q.pad(d.getUTCMinutes());
  }
  function duration(s) {
    if (s === null || s === undefined) return "–";
    s = Math.max(0, Math.round(s));
    if (s < 60) return "dưới 1 phút";
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? h + " giờ " + Q.pad(m) + " phút" : m + " phút";
  }
  function longest(tile) {
    return tile.oldest_waiting_at === null || tile.oldest_waiting_at === undefined
      ? null : hubNow() - tile.oldest_waiting_at;
  }

  // -- tiles -----------------------------------------------------------------------------
  function line(cls, vi, en, value) {
    var row = el("div", "row " + cls);
    var label = el("span", "label", vi + " ");
    label.appendChild(el("i", "en", en));
    row.appendChild(label);
    row.appendChild(el("b", "value", value));
    return row;
  }

  function faultText(f) {
    if (f.kind === "agent") return "Máy in kiosk " + f.kiosk + " mất kết nối · print agent offline";
    var words = { paper_out: "hết giấy · out of paper", paper_low: "sắp hết giấy · paper low",
                  offline: "không phản hồi · not responding" };
    return "Máy in " + f.kiosk + ": " + (words[f.status] || f.status);
  }

  function render(tile) {
    var node = nodes[tile.site_id];
    if (!node) {
      node = nodes[tile.site_id] = el("button", "tile");
      node.type = "button";
      node.setAttribute("data-site", tile.site_id);
      node.addEventListener("click", function () { openQueue(tile.site_id); });
    }
    node.textContent = "";
    node.className = "tile" + (tile.offline ? " offline" : "") + (tile.faults.length ? " faulty" : "") +
      (!tile.day_open && !tile.offline ? " closed" : "");
    node.setAttribute("data-district", tile.district || "");
    node.setAttribute("data-waiting", tile.waiting);
    node.setAttribute("data-offline", tile.offline ? "1" : "0");
    node.setAttribute("data-seq", tile.seq);
    var head = el("div", "tile-head");
    head.appendChild(el("span", "name", tile.name));
    head.appendChild(el("span", "district", tile.district || ""));
    node.appendChild(head);
    if (tile.offline) {
      var since = tile.last_seen_at ? hhmm(tile.last_seen_at) : null;
      var banner = el("div", "banner offline-banner",
        since ? "Mất kết nối từ " + since : "Chưa kết nối lần nào");
      banner.appendChild(el("i", "en", since ? " offline since " + since : " never connected"));
      node.appendChild(banner);
    } else if (!tile.day_open) {
      var shut = el("div", "banner closed-banner", "Chưa mở ngày làm việc ");
      shut.appendChild(el("i", "en", "day not open"));
      node.appendChild(shut);
    }
    var big = el("div", "big");
    big.appendChild(el("b", "waiting", String(tile.waiting)));
    var cap = el("span", "cap", "đang chờ ");
    cap.appendChild(el("i", "en", "waiting"));
    big.appendChild(cap);
    var wait = el("span", "longest");
    wait.setAttribute("data-longest", "1");
    big.appendChild(wait);
    node.appendChild(big);
    var grid = el("div", "figures");
    grid.appendChild(line("serving", "Đang phục vụ", "serving", String(tile.serving)));
    grid.appendChild(line("counters", "Quầy mở", "open", tile.open_counters +
      (tile.paused_counters ? " (+" + tile.paused_counters + " nghỉ)" : "")));
    grid.appendChild(line("issued", "Đã cấp", "issued", String(tile.issued_today)));
    grid.appendChild(line("served", "Đã giải quyết", "served", String(tile.served_today)));
    node.appendChild(grid);
    var foot = el("div", "tile-foot");
    tile.faults.forEach(function (f) { foot.appendChild(el("span", "fault", faultText(f))); });
    if (tile.clock_skew_s !== null && Math.abs(tile.clock_skew_s) >= 30) {
      foot.appendChild(el("span", "skew", "Lệch giờ " + (tile.clock_skew_s > 0 ? "+" : "") +
        Math.round(tile.clock_skew_s) + " giây · clock skew"));
    }
    if (foot.childNodes.length) node.appendChild(foot);
    tickTile(tile, node);
    return node;
  }

  function tickTile(tile, node) {
    var span = node.querySelector("[data-longest]");
    var s = longest(tile);
    span.textContent = s === null ? "" : "lâu nhất " + duration(s);
    node.setAttribute("data-longest-s", s === null ? "" : String(Math.round(s)));
    node.classList.toggle("long-wait", s !== null && s >= 45 * 60);
  }

  var SORTS = {
    waiting: function (a, b) { return b.waiting - a.waiting || byName(a, b); },
    longest: function (a, b) { return (longest(b) || -1) - (longest(a) || -1) || byName(a, b); },
    name: byName,
    offline: function (a, b) {
      return (b.offline - a.offline) || ((a.last_seen_at || 0) - (b.last_seen_at || 0)) || byName(a, b);
    }
  };
  function byName(a, b) { return a.name.localeCompare(b.name, "vi"); }

  function layout() {
    var district = $("district").value, sort = SORTS[$("sort").value] || SORTS.waiting;
    var list = Object.keys(tiles).map(function (k) { return tiles[k]; });
    list.sort(sort);
    var box = $("tiles");
    list.forEach(function (t) {
      var node = nodes[t.site_id];
      node.hidden = !!district && t.district !== district;
      box.appendChild(node);  // appending an attached node moves it: the order follows the sort
    });
    totals(list);
    districts(list);
  }

  function totals(list) {
    function sum(key) { return list.reduce(function (n, t) { return n + (t[key] || 0); }, 0); }
    $("total-sites").textContent = list.length;
    $("total-offline").textContent = list.filter(function (t) { return t.offline; }).length;
    $("total-waiting").textContent = sum("waiting");
    $("total-serving").textContent = sum("serving");
    $("total-counters").textContent = sum("open_counters");
    $("total-issued").textContent = sum("issued_today");
    $("total-served").textContent = sum("served_today");
    $("total-faults").textContent = list.filter(function (t) { return t.faults.length; }).length;
  }

  function districts(list) {
    var select = $("district"), have = {}, want = {};
    Array.prototype.forEach.call(select.options, function (o) { have[o.value] = true; });
    list.forEach(function (t) { if (t.district) want[t.district] = true; });
    Object.keys(want).sort(function (a, b) { return a.localeCompare(b, "vi"); }).forEach(function (d) {
      if (!have[d]) { var o = el("option", null, d); o.value = d; select.appendChild(o); }
    });
  }

  function take(list, whole) {
    if (whole) {
      tiles = {};
      Object.keys(nodes).forEach(function (k) { nodes[k].remove(); });
      nodes = {};
    }
    list.forEach(function (t) {
      var old = tiles[t.site_id];
      if (old && t.seq < old.seq && !whole) return;  // an older push overtaken by a newer one
      tiles[t.site_id] = t;
      render(t);
    });
    layout();
    if (openSite && list.some(function (t) { return t.site_id === openSite; })) askQueue(openSite);
  }

  // -- the live connection ---------------------------------------------------------------
  var socket = window.io({ reconnectionDelayMax: 5000 });
  function status(vi, en, bad) {
    var s = $("status");
    s.textContent = vi + " ";
    s.appendChild(el("span", "en", en));
    s.className = "hub-status" + (bad ? " bad" : "");
  }
  socket.on("connect", function () {
    socket.emit("snapshot", {}, function (ack) {
      if (!ack || ack.ok === false) {
        status("Phiên đăng nhập đã hết, hãy tải lại trang.", "Session ended: reload the page.", true);
        return;
      }
      setHubNow(ack.now);
      take(ack.tiles, true);
      status("Trực tiếp", "Live", false);
      document.body.setAttribute("data-ready", "1");
    });
  });
  socket.on("tiles", function (msg) { setHubNow(msg.now); take(msg.tiles, false); });
  socket.on("disconnect", function () { status("Mất kết nối, đang kết nối lại…", "Reconnecting", true); });
  socket.on("connect_error", function () { status("Không kết nối được trung tâm.", "Cannot reach the hub", true); });

  // -- one site's queue --------------------------------------------------------------------
  function openQueue(siteId) {
    openSite = siteId;
    $("drill").hidden = false;
    $("drill").setAttribute("data-site", siteId);
    $("drill-chart").src = $("province-chart").getAttribute("data-src") + "?site=" +
      encodeURIComponent(siteId) + "&t=" + Date.now();
    askQueue(siteId);
  }
  function closeQueue() { openSite = null; $("drill").hidden = true; }
  function askQueue(siteId) {
    socket.emit("queue", { site_id: siteId }, function (view) {
      if (view && view.ok && view.site_id === openSite) showQueue(view);
    });
  }

  function showQueue(view) {
    var tile = view.tile;
    $("drill-name").textContent = view.name;
    $("drill-district").textContent = view.district || "";
    $("drill").setAttribute("data-seq", view.seq);
    var keys = $("drill-keys");
    keys.textContent = "";
    [["Đang chờ", "waiting", tile.waiting], ["Đang phục vụ", "serving", tile.serving],
     ["Quầy mở", "open counters", tile.open_counters], ["Đã cấp", "issued", tile.issued_today],
     ["Đã giải quyết", "served", tile.served_today]].forEach(function (k) {
      var box = el("div");
      box.appendChild(el("b", null, String(k[2])));
      var cap = el("span", null, k[0] + " ");
      cap.appendChild(el("i", "en", k[1]));
      box.appendChild(cap);
      keys.appendChild(box);
    });
    var body = $("drill-services");
    body.textContent = "";
    view.services.forEach(function (s) {
      var tr = el("tr");
      tr.setAttribute("data-service", s.code);
      tr.appendChild(el("td", null, s.letter + " – " + s.name_vi));
      tr.appendChild(el("td", "num", String(s.waiting)));
      tr.appendChild(el("td", "num", duration(s.longest_wait_s)));
      body.appendChild(tr);
    });
    var counters = $("drill-counters");
    counters.textContent = "";
    view.counters.forEach(function (c) {
      var box = el("div", "counter " + c.state);
      box.appendChild(el("b", null, c.name));
      box.appendChild(el("span", "number", c.serving || (c.state === "open" ? "Sẵn sàng" : c.state === "paused" ? "Tạm dừng" : "Đóng")));
      counters.appendChild(box);
    });
    var calls = $("drill-calls");
    calls.textContent = "";
    view.recent_calls.slice(0, 6).forEach(function (c) {
      calls.appendChild(el("li", null, c.number + " → Quầy " + c.counter + " (" + c.at.slice(11, 16) + ")"));
    });
    if (!view.recent_calls.length) {
      var none = el("li", "muted", "Chưa gọi số nào hôm nay ");
      none.appendChild(el("span", "en", "No calls yet today"));
      calls.appendChild(none);
    }
  }

  $("drill-close").addEventListener("click", closeQueue);
  $("drill").addEventListener("click", function (ev) { if (ev.target === $("drill")) closeQueue(); });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closeQueue(); });
  $("sort").addEventListener("change", layout);
  $("district").addEventListener("change", layout);
  $("sign-out").addEventListener("click", function () {
    fetch("/api/hub/logout", { method: "POST" }).then(function () { location.reload(); });
  });

  // -- the clock, ticking waits, the chart -------------------------------------------------
  function tick() {
    $("clock").textContent = clock.hhmm();
    $("date").textContent = clock.dateVi();
    Object.keys(tiles).forEach(function (k) { tickTile(tiles[k], nodes[k]); });
  }
  function chart() {
    var img = $("province-chart");
    img.src = img.getAttribute("data-src") + "?t=" + Date.now();
  }
  setInterval(tick, 1000);
  setInterval(chart, 60000);
  tick();
  chart();
})();
