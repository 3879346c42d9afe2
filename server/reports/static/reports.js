/* The report page's own part: today's ratings as the tablets send them (the chief's live
 * tally, pushed by the server). The period form is core/period.js. */
(function () {
  "use strict";
  var box = document.getElementById("live-ratings");
  var socket = io({transports: ["websocket", "polling"]});
  socket.on("connect", function () { socket.emit("ratings_tally", {}); });
  socket.on("ratings_tally", function (t) {
    var head = document.getElementById("live-head"), body = document.getElementById("live-body");
    head.innerHTML = "";
    var first = QMS.el("th", null, "Quầy ");
    first.appendChild(QMS.el("span", "en", "Counter"));
    head.appendChild(first);
    t.levels.forEach(function (l) { head.appendChild(QMS.el("th", null, l.vi)); });
    body.innerHTML = "";
    var rows = Object.keys(t.counters).map(function (k) { return ["Quầy " + k, t.counters[k]]; });
    rows.push(["Tổng cộng", t.total]);
    rows.forEach(function (row) {
      var tr = QMS.el("tr");
      tr.appendChild(QMS.el("td", null, row[0]));
      t.levels.forEach(function (l) { tr.appendChild(QMS.el("td", "count", row[1][l.code] || 0)); });
      body.appendChild(tr);
    });
    box.hidden = false;
  });
})();
