// The citizen's rating tablet at one counter. Paired once by an admin (a device token kept in
// this browser); then it waits for the counter's completions, asks, sends, thanks, and goes
// back to idle after the site's idle_seconds without a tap.
(function () {
  "use strict";
  var C = window.QMS_RATE;
  var KEY = "qms.rating.token." + C.counter;
  var current = null, idleTimer = null, socket = null;
  function $(id) { return document.getElementById(id); }

  function show(name) {
    document.querySelectorAll(".screen").forEach(function (s) { s.hidden = s.id !== "screen-" + name; });
    document.body.dataset.screen = name;
  }
  function idleAfter(seconds) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { current = null; show("idle"); }, seconds * 1000);
  }
  function button(cls, choice, onTap) {
    var b = document.createElement("button");
    b.type = "button"; b.className = cls; b.dataset.code = choice.code;
    b.innerHTML = "<span class='vi'></span><span class='en'></span>";
    b.querySelector(".vi").textContent = choice.vi;
    b.querySelector(".en").textContent = choice.en || "";
    b.addEventListener("click", function () { onTap(choice); });
    return b;
  }

  // Reasons are asked only for the lower half of the levels: they name what went wrong.
  C.levels.forEach(function (level, i) {
    $("levels").appendChild(button("level level-" + i, level, function () {
      if (!current) return;
      current.level = level.code;
      if (C.reasons.length && i >= C.levels.length / 2) { show("reason"); idleAfter(C.idle_seconds); }
      else send("");
    }));
  });
  C.reasons.forEach(function (reason) {
    $("reasons").appendChild(button("reason", reason, function () { send(reason.code); }));
  });
  $("skip-reason").addEventListener("click", function () { send(""); });

  function send(reason) {
    var rating = current;
    if (!rating) return;
    current = null;
    show("thanks");
    idleAfter(4);
    fetch("/api/ratings", {method: "POST", headers: {"Content-Type": "application/json",
      "X-Device-Token": localStorage.getItem(KEY) || ""},
      body: JSON.stringify({ticket_id: rating.ticket_id, level: rating.level, reason: reason || null})})
      .then(function (r) { if (r.status === 401) unpair(); });
  }

  function prompt(p) {
    current = {ticket_id: p.ticket_id, level: null};
    $("rate-number").textContent = p.number;
    $("rate-officer").textContent = p.officer_name || "";
    show("rate");
    idleAfter(C.idle_seconds);
  }

  function unpair() {
    localStorage.removeItem(KEY);
    if (socket) { socket.close(); socket = null; }
    show("pair");
  }

  function connect() {
    show("idle");
    socket = io({auth: {device_token: localStorage.getItem(KEY)}, transports: ["websocket", "polling"]});
    socket.on("connect", function () { $("offline").hidden = true; });
    socket.on("disconnect", function () { $("offline").hidden = false; });
    socket.on("connect_error", function () {
      // Refused at connect: the token was revoked (or never valid). Anything else retries.
      if (!socket.active) unpair();
      else $("offline").hidden = false;
    });
    socket.on("rate_prompt", prompt);
    socket.on("rated", function (r) {
      if (current && current.ticket_id === r.ticket_id) { current = null; show("thanks"); idleAfter(4); }
    });
  }

  $("pair-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target, error = $("pair-error");
    function fail(body) {
      error.textContent = body && body.error ? body.error.message + " " + body.error.message_en
        : "Không kết nối được máy chủ. Cannot reach the server.";
      error.hidden = false;
    }
    fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: f.username.value, password: f.password.value})})
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        if (!res[0]) { fail(res[1]); return; }
        return fetch("/api/rating-tablets", {method: "POST", headers: {"Content-Type": "application/json",
          "X-CSRF-Token": res[1].csrf_token}, body: JSON.stringify({counter: C.counter})})
          .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
          .then(function (paired) {
            // The admin's session ends here: the tablet keeps only its own device token.
            return fetch("/api/logout", {method: "POST"}).then(function () {
              if (!paired[0]) { fail(paired[1]); return; }
              localStorage.setItem(KEY, paired[1].token);
              f.reset(); error.hidden = true;
              connect();
            });
          });
      })
      .catch(function () { fail(null); });
  });

  if (!C.counter || C.counters.indexOf(C.counter) < 0) show("choose");
  else if (!localStorage.getItem(KEY)) show("pair");
  else connect();
})();
