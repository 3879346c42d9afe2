/* The desk pages' sign-in form (templates/signin_form.html): POST /api/login (or the form's
 * data-login: the provincial hub's sign-in), then reload the page, which the server now
 * renders for the signed-in officer. */
(function () {
  "use strict";
  var form = document.getElementById("signin");
  if (!form) return;
  var error = document.getElementById("signin-error");
  function show(text) { error.textContent = text; error.hidden = false; }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    fetch(form.getAttribute("data-login") || "/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: form.username.value, password: form.password.value})})
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        if (res[0]) { location.reload(); return; }
        var err = (res[1] && res[1].error) || {};
        show((err.message || "Đăng nhập không thành công.") + (err.message_en ? " · " + err.message_en : ""));
      })
      .catch(function () { show("Không kết nối được máy chủ. · Cannot reach the server."); });
  });
})();
