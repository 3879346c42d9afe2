// Officers and devices: every action is one request; the answer (or the refusal's reason)
// shows in the status line, then the tables reload.
(function () {
  "use strict";
  var ROLE_VI = {officer: "Cán bộ", chief: "Trưởng điểm", admin: "Quản trị"};
  function $(id) { return document.getElementById(id); }
  function status(text, ok) {
    var s = $("status"); s.textContent = text; s.className = "status " + (ok ? "ok" : "bad"); s.hidden = false;
  }
  function call(method, url, data) {
    return fetch(url, {method: method, headers: {"Content-Type": "application/json",
      "X-CSRF-Token": window.QMS_CSRF}, body: data ? JSON.stringify(data) : undefined})
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        if (!res[0]) { status(res[1].error.message + " — " + res[1].error.message_en, false); throw res[1]; }
        return res[1];
      });
  }
  function button(text, onClick) {
    var b = document.createElement("button"); b.type = "button"; b.className = "button"; b.textContent = text;
    b.addEventListener("click", onClick); return b;
  }
  function loadOfficers() {
    return call("GET", "/api/admin/officers").then(function (b) {
      var body = $("officers").querySelector("tbody"); body.innerHTML = "";
      b.officers.forEach(function (o) {
        var tr = document.createElement("tr"); tr.dataset.username = o.username;
        if (o.disabled) tr.className = "disabled";
        [o.username + (o.disabled ? " (đã khóa)" : ""), o.display_name].forEach(function (t) {
          var td = document.createElement("td"); td.textContent = t; tr.appendChild(td);
        });
        var td = document.createElement("td"), sel = document.createElement("select");
        sel.setAttribute("aria-label", "role");
        b.roles.forEach(function (r) {
          var opt = document.createElement("option"); opt.value = r; opt.textContent = ROLE_VI[r] || r;
          opt.selected = r === o.role; sel.appendChild(opt);
        });
        sel.addEventListener("change", function () {
          call("POST", "/api/admin/officers/" + encodeURIComponent(o.username) + "/role", {role: sel.value})
            .then(function () { status("Đã đổi vai trò của " + o.username + ". Role changed.", true); })
            .catch(function () {}).then(loadOfficers);
        });
        td.appendChild(sel); tr.appendChild(td);
        var actions = document.createElement("td");
        actions.appendChild(button("Đặt lại mật khẩu", function () {
          var pw = window.prompt("Mật khẩu mới cho " + o.username + " (ít nhất 6 ký tự) / New password");
          if (!pw) return;
          call("POST", "/api/admin/officers/" + encodeURIComponent(o.username) + "/password", {password: pw})
            .then(function () { status("Đã đặt lại mật khẩu của " + o.username + ". Password reset.", true); })
            .catch(function () {});
        }));
        actions.appendChild(button(o.disabled ? "Mở khóa" : "Khóa tài khoản", function () {
          var verb = o.disabled ? "enable" : "disable";
          call("POST", "/api/admin/officers/" + encodeURIComponent(o.username) + "/" + verb)
            .then(function () {
              status((o.disabled ? "Đã mở khóa " : "Đã khóa ") + o.username + ". " +
                     (o.disabled ? "Enabled." : "Disabled."), true);
            })
            .catch(function () {}).then(loadOfficers);
        }));
        actions.appendChild(button("Đăng xuất mọi nơi", function () {
          call("POST", "/api/officers/" + encodeURIComponent(o.username) + "/sign-out")
            .then(function (r) { status("Đã kết thúc " + r.sessions_ended + " phiên. Sessions ended.", true); })
            .catch(function () {});
        }));
        tr.appendChild(actions);
        body.appendChild(tr);
      });
    });
  }
  // The server sends the site's local time as ISO 8601; a chief reads "12:26 01/12/2026".
  function siteTime(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(iso || "");
    return m ? m[4] + ":" + m[5] + " " + m[3] + "/" + m[2] + "/" + m[1] : (iso || "");
  }
  function loadDevices() {
    return call("GET", "/api/admin/devices").then(function (b) {
      var body = $("devices").querySelector("tbody"); body.innerHTML = "";
      b.devices.forEach(function (d) {
        var tr = document.createElement("tr"); tr.dataset.device = d.device;
        [d.device, d.kind === "rating_tablet" ? "Máy tính bảng đánh giá — quầy " + d.counter : "Kiosk",
         siteTime(d.paired_at)].forEach(function (t) {
          var td = document.createElement("td"); td.textContent = t; tr.appendChild(td);
        });
        var td = document.createElement("td");
        var revoke = button("Thu hồi", function () {
          if (!window.confirm("Thu hồi " + d.device + "? / Revoke?")) return;
          call("DELETE", "/api/devices/" + encodeURIComponent(d.device))
            .then(function () { status("Đã thu hồi " + d.device + ". Revoked.", true); })
            .catch(function () {}).then(loadDevices);
        });
        revoke.classList.add("remove"); td.appendChild(revoke); tr.appendChild(td);
        body.appendChild(tr);
      });
    });
  }
  $("new-officer").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    call("POST", "/api/admin/officers", {username: f.username.value, display_name: f.display_name.value || null,
      role: f.role.value, password: f.password.value})
      .then(function (b) { status("Đã thêm " + b.officer.username + ". Officer added.", true); f.reset(); })
      .catch(function () {}).then(loadOfficers);
  });
  $("pair-kiosk").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    call("POST", "/api/devices", {kiosk: f.kiosk.value}).then(function (b) {
      var t = $("token");
      t.textContent = "Mã thiết bị của " + b.kiosk + " (chỉ hiện một lần) / device token, shown once: " + b.token;
      t.hidden = false; f.reset();
      status("Đã ghép nối " + b.kiosk + ". Paired.", true);
    }).catch(function () {}).then(loadDevices);
  });
  loadOfficers(); loadDevices();
})();
