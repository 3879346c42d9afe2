"""The citizen's tracking page: /t/<id>, opened from the QR code on the printed ticket (or on
the kiosk screen) with the citizen's own phone.

Shows the number, the service, the status, people ahead and the estimated wait, and the counter
once called; refreshes itself every 15 s from GET /api/tickets/<id>. Vietnamese first, English
under it. The page carries nothing personal: a ticket is a number and a service.

/t/<id>/qr.svg is the QR code of the page's own address, drawn for the kiosk's confirmation
screen (so a citizen whose ticket did not print can still follow their turn).
"""
import io

from flask import Blueprint, Response, current_app, render_template_string, request

from .views import ticket_view

bp = Blueprint("tracking", __name__)

REFRESH_SECONDS = 15


def _runtime():
    return current_app.extensions["qms.runtime"]


def _base_url():
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/t/<int:ticket_id>")
def track(ticket_id):
    rt = _runtime()
    rt.refresh()
    found = rt.state.tickets.get(ticket_id)
    view = ticket_view(rt.state, found, _base_url()) if found is not None else None
    if view is not None and view.get("counter"):
        counter = rt.site.counter(view["counter"])
        view["counter_name"] = counter.name if counter else f"Quầy {view['counter']}"
    html = render_template_string(PAGE, ticket=view, ticket_id=ticket_id, site=rt.site,
                                  refresh=REFRESH_SECONDS)
    return _no_store(Response(html, status=200 if view else 404, mimetype="text/html"))


@bp.get("/t/<int:ticket_id>/qr.svg")
def track_qr(ticket_id):
    import qrcode
    import qrcode.image.svg
    rt = _runtime()
    rt.refresh()
    if ticket_id not in rt.state.tickets:
        return _no_store(Response("", status=404))
    image = qrcode.make(f"{_base_url()}/t/{ticket_id}", image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return _no_store(Response(out.getvalue(), mimetype="image/svg+xml"))


PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{% if ticket %}Số {{ ticket.number }} — {% endif %}Theo dõi số thứ tự</title>
<style>
@font-face { font-family: "Be Vietnam Pro"; font-weight: 400; font-display: swap;
  src: url("/kiosk/fonts/BeVietnamPro-Regular.ttf") format("truetype"); }
@font-face { font-family: "Be Vietnam Pro"; font-weight: 700; font-display: swap;
  src: url("/kiosk/fonts/BeVietnamPro-Bold.ttf") format("truetype"); }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Be Vietnam Pro", "DejaVu Sans", "Noto Sans", Arial, sans-serif;
  background: #f3efe7; color: #1a1a1a; font-size: 18px; line-height: 1.4; }
header { background: #a8151b; color: #fff; padding: 14px 18px; border-bottom: 5px solid #f5c518; }
header .site { font-weight: 700; font-size: 17px; }
header .sub { font-size: 14px; opacity: .9; }
main { max-width: 520px; margin: 0 auto; padding: 18px; }
.card { background: #fff; border-radius: 16px; padding: 20px; margin-bottom: 14px;
  border: 2px solid #d8d0c2; text-align: center; }
.label { color: #4a4a4a; font-size: 16px; }
.en { display: block; color: #666; font-size: 14px; font-weight: 400; }
.number { font-size: 84px; font-weight: 700; line-height: 1.05; color: #7d0f14; letter-spacing: .02em; }
.service { font-size: 20px; font-weight: 700; }
.priority { display: inline-block; margin-top: 8px; background: #f5c518; color: #3a2a00;
  font-weight: 700; border-radius: 8px; padding: 3px 12px; }
.status { font-size: 24px; font-weight: 700; }
.status.called, .status.serving { color: #fff; background: #1b6e3a; border-color: #1b6e3a; }
.status.called .en, .status.serving .en { color: #e8f5e9; }
.status.called .big { font-size: 40px; display: block; margin: 6px 0; }
.status.ended { color: #4a4a4a; }
.facts { display: flex; gap: 12px; }
.facts .card { flex: 1; margin: 0; }
.value { font-size: 40px; font-weight: 700; line-height: 1.1; }
.value.eta { font-size: 26px; padding-top: 8px; }
.foot { text-align: center; color: #666; font-size: 14px; margin-top: 16px; }
.foot.stale { color: #a8151b; font-weight: 700; }
a { color: #1556b0; }
</style>
</head>
<body data-ticket="{{ ticket_id }}" data-refresh="{{ refresh }}">
<header>
  <div class="site">{{ site.name }}</div>
  <div class="sub">Theo dõi số thứ tự · Track your queue number</div>
</header>
<main id="page">
{% if not ticket %}
  <div class="card status ended">Không tìm thấy số thứ tự này.
    <span class="en">This ticket was not found. Tickets can be followed on the day they are taken.</span></div>
{% else %}
  <div class="card">
    <div class="label">Số thứ tự của bạn <span class="en">Your number</span></div>
    <div class="number" id="number">{{ ticket.number }}</div>
    <div class="service" id="service">{{ ticket.service_name_vi }}
      <span class="en">{{ ticket.service_name_en or "" }}</span></div>
    {% if ticket.priority %}<div class="priority">Ưu tiên · Priority{% if ticket.priority_name_vi %}: {{ ticket.priority_name_vi }}{% endif %}</div>{% endif %}
  </div>
  <div id="live">
  {% if ticket.status == "waiting" %}
    <div class="card status">Đang chờ <span class="en">Waiting</span></div>
    <div class="facts">
      <div class="card"><div class="value">{{ ticket.position }}</div>
        <div class="label">người trước bạn <span class="en">people before you</span></div></div>
      <div class="card"><div class="value eta" data-kind="{{ ticket.eta.kind if ticket.eta else '' }}">{{ ticket.eta.text_vi if ticket.eta else "—" }}</div>
        <div class="label">chờ dự kiến <span class="en">{{ ticket.eta.text_en if ticket.eta else "" }} · estimated wait</span></div></div>
    </div>
  {% elif ticket.status == "called" %}
    <div class="card status called">Mời bạn đến
      <span class="big">{{ ticket.counter_name }}</span>
      <span class="en">Please go to counter {{ ticket.counter }}</span></div>
  {% elif ticket.status == "serving" %}
    <div class="card status serving">Đang được phục vụ tại {{ ticket.counter_name }}
      <span class="en">Being served at counter {{ ticket.counter }}</span></div>
  {% elif ticket.status == "done" %}
    <div class="card status ended">Đã hoàn thành. Cảm ơn quý công dân!
      <span class="en">Completed. Thank you!</span></div>
  {% elif ticket.status == "no_show" %}
    <div class="card status ended">Số này đã qua lượt. Vui lòng hỏi cán bộ tại quầy.
      <span class="en">This number was missed. Please ask an officer at a counter.</span></div>
  {% elif ticket.status == "transferred" %}
    <div class="card status ended">Hồ sơ của bạn đã được chuyển sang dịch vụ khác.
      <span class="en">Your case moved to another service.</span>
      {% if ticket.transferred_to %}<p><a href="/t/{{ ticket.transferred_to }}">Xem số mới · See the new number</a></p>{% endif %}</div>
  {% else %}
    <div class="card status ended">Số này đã bị huỷ.
      <span class="en">This number was cancelled.</span></div>
  {% endif %}
  </div>
{% endif %}
  <p class="foot" id="foot">Trang tự cập nhật mỗi {{ refresh }} giây · Updates every {{ refresh }} s</p>
</main>
<script>
(function () {
  "use strict";
  var id = document.body.dataset.ticket, every = (+document.body.dataset.refresh || 15) * 1000;
  var live = document.getElementById("live"), foot = document.getElementById("foot");
  if (!live) return;
  var lastStatus = null;
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  function card(cls, vi, en, extra) {
    return '<div class="card status ' + cls + '">' + vi + ' <span class="en">' + en + '</span>' + (extra || "") + '</div>';
  }
  function render(t) {
    var counter = t.counter ? "Quầy " + esc(t.counter) : "";
    var html;
    if (t.status === "waiting") {
      html = card("", "Đang chờ", "Waiting") + '<div class="facts">' +
        '<div class="card"><div class="value">' + esc(t.position) + '</div><div class="label">người trước bạn <span class="en">people before you</span></div></div>' +
        '<div class="card"><div class="value eta" data-kind="' + esc(t.eta ? t.eta.kind : "") + '">' + esc(t.eta ? t.eta.text_vi : "—") + '</div><div class="label">chờ dự kiến <span class="en">' + esc(t.eta ? t.eta.text_en : "") + ' · estimated wait</span></div></div></div>';
    } else if (t.status === "called") {
      html = '<div class="card status called">Mời bạn đến <span class="big">' + counter + '</span><span class="en">Please go to counter ' + esc(t.counter) + '</span></div>';
    } else if (t.status === "serving") {
      html = card("serving", "Đang được phục vụ tại " + counter, "Being served at counter " + esc(t.counter));
    } else if (t.status === "done") {
      html = card("ended", "Đã hoàn thành. Cảm ơn quý công dân!", "Completed. Thank you!");
    } else if (t.status === "no_show") {
      html = card("ended", "Số này đã qua lượt. Vui lòng hỏi cán bộ tại quầy.", "This number was missed. Please ask an officer at a counter.");
    } else if (t.status === "transferred") {
      if (t.transferred_to) { location.replace("/t/" + encodeURIComponent(t.transferred_to)); return; }
      html = card("ended", "Hồ sơ của bạn đã được chuyển sang dịch vụ khác.", "Your case moved to another service.");
    } else {
      html = card("ended", "Số này đã bị huỷ.", "This number was cancelled.");
    }
    live.innerHTML = html;
    if (t.status === "called" && lastStatus !== null && lastStatus !== "called") {
      if (navigator.vibrate) navigator.vibrate([400, 200, 400]);
      document.title = "Đến lượt bạn! " + t.number;
    }
    lastStatus = t.status;
  }
  function stamp(ok) {
    var now = new Date(), hh = ("0" + now.getHours()).slice(-2), mm = ("0" + now.getMinutes()).slice(-2);
    foot.className = ok ? "foot" : "foot stale";
    foot.textContent = ok
      ? "Cập nhật lúc " + hh + ":" + mm + " · tự cập nhật mỗi " + every / 1000 + " giây / Updated " + hh + ":" + mm
      : "Chưa cập nhật được, đang thử lại… / Cannot update, retrying…";
  }
  function refresh() {
    fetch("/api/tickets/" + encodeURIComponent(id), { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { render(data.ticket); stamp(true); })
      .catch(function () { stamp(false); });
  }
  lastStatus = {{ (ticket.status if ticket else "")|tojson }};
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
</script>
</body>
</html>
"""
