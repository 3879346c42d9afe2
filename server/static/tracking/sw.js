/* The tracking pages' service worker (served as /t/sw.js, scope /t/; server/tracking.py).
 * On a push from the site (server/appointments/push.py: {title, body, url}, encrypted for this
 * browser only) it shows the notification, one per ticket (a newer one replaces it); a tap
 * opens the ticket's tracking page, or brings it forward when it is already open. */
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function trackingUrl(url) {
  // Only a tracking page of this site: the payload names a path, never another site.
  return typeof url === "string" && url.indexOf("/t/") === 0 ? url : "/t/";
}

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { body: event.data.text() };
  }
  var url = trackingUrl(data.url);
  event.waitUntil(self.registration.showNotification(
    data.title || "Sắp đến lượt · Your turn nears", {
      body: data.body || "",
      tag: "qms-turn " + url,
      renotify: true,
      vibrate: [300, 150, 300, 150, 600],
      lang: "vi",
      data: { url: url }
    }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL(trackingUrl(event.notification.data && event.notification.data.url),
                    self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url.split("?")[0] === url && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url);
    }));
});
