/* The ticket preview: fetch the PNG first, so a refusal (a wrong ticket number, a text the
 * printer cannot print) shows its message instead of a broken image; size the paper box to
 * the chosen paper and the image to the printed width, in real millimetres. */
(function () {
  "use strict";
  var $ = QMS.$;
  var PAPER_MM = JSON.parse($("paper-mm").textContent);
  var form = $("choice"), img = $("ticket"), box = $("paper-box"), error = $("preview-error");
  var shown = null;

  var asked = 0;  // the latest request: an earlier answer arriving late must not replace it

  function show() {
    var mine = ++asked;
    var params = new URLSearchParams(new FormData(form));
    if (!params.get("ticket")) params.delete("ticket");
    var paper = params.get("paper");
    fetch("/admin/preview/ticket.png?" + params.toString(), { cache: "no-store" })
      .then(function (r) {
        if (r.ok) return r.blob().then(function (blob) { return { blob: blob }; });
        return r.json().then(function (data) { return { error: data.error || {} }; },
                             function () { return { error: { message: "Lỗi " + r.status } }; });
      })
      .then(function (answer) {
        if (mine !== asked) return;  // the officer chose again meanwhile
        if (answer.error) {
          error.textContent = (answer.error.message || "") +
            (answer.error.message_en ? " · " + answer.error.message_en : "");
          error.hidden = false;
          box.hidden = true;  // no earlier ticket left on show under the message
          return;
        }
        error.hidden = true;
        box.hidden = false;
        if (shown) URL.revokeObjectURL(shown);
        shown = URL.createObjectURL(answer.blob);
        var mm = PAPER_MM[paper];
        box.setAttribute("data-paper", paper);
        box.style.width = mm[0] + "mm";
        img.style.width = mm[1] + "mm";
        img.src = shown;
        $("paper-caption").textContent = "Khổ giấy " + paper + ", vùng in " + mm[1] + " mm · " +
          paper + " paper, " + mm[1] + " mm printed";
      }, function () {
        if (mine !== asked) return;
        error.textContent = "Không kết nối được máy chủ. · Cannot reach the server.";
        error.hidden = false;
      });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
  $("paper").addEventListener("change", show);
  show();
})();
