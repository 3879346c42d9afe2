/* The tracking page's "Nhắc tôi khi sắp đến lượt · Remind me" section (server/tracking.py):
 * (a) Web Push on this phone: the service worker /t/sw.js is registered at once; a tap asks
 *     for permission, subscribes with the site's VAPID key (GET /api/push/key) and posts the
 *     subscription to POST /api/tickets/<ref>/notify {push}. Hidden, with one line saying why,
 *     where the browser has no service worker or PushManager (iOS Safari outside a home-screen
 *     app, a page not served over https).
 * (b) A text: the phone, checked by the server's rule (QMS.mobilePhone), posted as {phone}.
 * Any failure is said plainly and leaves the other way usable.
 * For tests: window.__remind = {worker: "registered" | "failed" | "none", pushError}. */
(function () {
  "use strict";
  var $ = QMS.$;
  var section = $("remind");
  if (!section) return;
  var ref = document.body.dataset.ref;
  var R = window.__remind = { worker: "none", pushError: null };

  function say(node, vi, en, ok) {
    node.textContent = vi + " ";
    var span = document.createElement("span");
    span.className = "en";
    span.textContent = en;
    node.appendChild(span);
    node.className = "msg " + (ok ? "ok" : "err");
    node.hidden = false;
  }

  function ask(body) {
    return fetch("/api/tickets/" + encodeURIComponent(ref) + "/notify", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var e = (data && data.error) || {};
          throw { vi: e.message || "Không gửi được, vui lòng thử lại.",
                  en: e.message_en || "Could not send; please try again." };
        }
        return data;
      });
    });
  }

  // (a) Web Push
  var pushWay = $("push-way");
  if (pushWay) {
    var canPush = window.isSecureContext && "serviceWorker" in navigator &&
      "PushManager" in window && "Notification" in window;
    if (!canPush) {
      pushWay.hidden = true;
      $("push-none").hidden = false;
    } else {
      // A worker that cannot register (a certificate the phone does not trust) must fail the
      // tap at once: serviceWorker.ready would wait for ever.
      var registering = navigator.serviceWorker.register("/t/sw.js", { scope: "/t/" });
      registering.then(function () { R.worker = "registered"; },
                       function (err) { R.worker = "failed"; R.pushError = String(err); });
      var button = $("push-on"), msg = $("push-msg");
      button.addEventListener("click", function () {
        button.disabled = true;
        msg.hidden = true;
        Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") {
            throw { vi: "Thông báo chưa được cho phép. Hãy nhận SMS bên dưới, hoặc cho phép trong cài đặt trình duyệt.",
                    en: "Notifications are not allowed. Use a text message below, or allow them in the browser's settings." };
          }
          return fetch("/api/push/key").then(function (r) {
            if (!r.ok) throw new Error("key " + r.status);
            return r.json();
          });
        }).then(function (data) {
          return registering.then(function () {
            return navigator.serviceWorker.ready;
          }).then(function (registration) {
            return registration.pushManager.subscribe({
              userVisibleOnly: true, applicationServerKey: keyBytes(data.key) });
          });
        }).then(function (subscription) {
          return ask({ push: subscription.toJSON() });
        }).then(function () {
          $("push-done").hidden = false;
          button.hidden = true;
        }).catch(function (err) {
          R.pushError = err && err.vi ? err.vi : String(err);
          button.disabled = false;
          if (err && err.vi) say(msg, err.vi, err.en, false);
          else say(msg, "Không bật được thông báo trên trình duyệt này. Hãy nhận SMS bên dưới.",
                   "Could not turn on notifications in this browser. Use a text message below.", false);
        });
      });
    }
  }

  function keyBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // (b) a text message
  var form = $("sms-form");
  if (form) {
    var input = $("sms-phone"), smsMsg = $("sms-msg"), send = $("sms-send");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var phone = QMS.mobilePhone(input.value);
      if (!phone) {
        say(smsMsg, "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).",
            "Not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09).", false);
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      send.disabled = true;
      ask({ phone: phone }).then(function (data) {
        var to = data.notify && data.notify.phone;
        $("sms-to").textContent = to;
        $("sms-to-en").textContent = to;
        $("sms-done").hidden = false;
        input.value = "";
        say(smsMsg, "Đã lưu. Sẽ nhắn tin khi sắp đến lượt công dân.",
            "Saved. We will text you when your turn nears.", true);
      }, function (err) {
        say(smsMsg, err.vi || "Không gửi được, vui lòng thử lại.",
            err.en || "Could not send; please try again.", false);
      }).then(function () { send.disabled = false; });
    });
  }
})();
