// The recording page: record each clip from the microphone (MediaRecorder), turn it into a
// 16-bit mono WAV in the browser (the server's sox reads WAV, not the recorder's WebM/Opus),
// upload it, play back what the server kept (trimmed, levelled), move on to the next clip.
(function () {
  "use strict";
  var RATE = 22050;
  var state = {clips: [], selected: null, recorder: null, stream: null, recordingName: null, stopTimer: null};
  var test = window.__recording = {uploads: 0, errors: 0, last: null};

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function status(text, ok) {
    var s = $("status"); s.textContent = text; s.className = "status " + (ok ? "ok" : "bad"); s.hidden = false;
  }
  function answer(r) {
    return r.json().then(function (b) {
      if (!r.ok) {
        test.errors += 1;
        status(b.error.message + " — " + b.error.message_en, false);
        throw b;
      }
      return b;
    });
  }
  function load() {
    return fetch("/api/admin/recording", {headers: {"X-CSRF-Token": window.QMS_CSRF}})
      .then(answer).then(render);
  }

  function render(b) {
    state.clips = b.clips;
    $("progress-text").textContent = "Đã thu " + b.done + "/" + b.total + " — còn " + (b.total - b.done) +
      " bản · Recorded " + b.done + " of " + b.total;
    $("meter").setAttribute("aria-valuemax", b.total);
    $("meter").setAttribute("aria-valuenow", b.done);
    $("meter-fill").style.width = (b.total ? 100 * b.done / b.total : 0) + "%";
    var note = $("active");
    note.className = "active-note " + (b.active ? "on" : "off");
    note.textContent = b.active
      ? "Màn hình gọi số đang dùng giọng đã thu (bản nào thiếu thì đọc bằng giọng máy). Displays use this recorded voice."
      : "Màn hình gọi số dùng giọng máy cho đến khi thu đủ mọi bản. Displays keep the synthetic voice until every clip is recorded.";
    var groups = $("groups"); groups.innerHTML = "";
    var order = [];
    b.clips.forEach(function (c) { if (order.indexOf(c.group) < 0) order.push(c.group); });
    order.forEach(function (g) {
      var list = b.clips.filter(function (c) { return c.group === g; });
      var done = list.filter(function (c) { return c.recorded; }).length;
      var h = el("h3", null, b.groups[g].vi + " ");
      h.appendChild(el("span", "en", b.groups[g].en + " · " + done + "/" + list.length));
      groups.appendChild(h);
      var ul = el("ul", "clip-list");
      list.forEach(function (c) { ul.appendChild(row(c)); });
      groups.appendChild(ul);
    });
    if (!state.selected || !find(state.selected)) select(nextTodo());
    else select(state.selected);
    return b;
  }
  function find(name) {
    for (var i = 0; i < state.clips.length; i++) if (state.clips[i].name === name) return state.clips[i];
    return null;
  }
  function nextTodo(after) {
    var seen = !after;
    for (var i = 0; i < state.clips.length; i++) {
      var c = state.clips[i];
      if (seen && !c.recorded) return c.name;
      if (c.name === after) seen = true;
    }
    for (i = 0; i < state.clips.length; i++) if (!state.clips[i].recorded) return state.clips[i].name;
    return state.clips.length ? state.clips[0].name : null;
  }
  function rowOf(name) { return document.querySelector('.clip[data-name="' + name + '"]'); }
  function select(name) {
    state.selected = name;
    Array.prototype.forEach.call(document.querySelectorAll(".clip"), function (li) {
      li.classList.toggle("selected", li.dataset.name === name);
    });
  }

  function row(c) {
    var li = el("li", "clip " + (c.recorded ? "done" : "todo"));
    li.dataset.name = c.name;
    var text = el("div");
    text.appendChild(el("div", "say", c.words));
    text.appendChild(el("div", "name", c.name + ".wav"));
    li.appendChild(text);
    li.appendChild(el("div", "state", c.recorded ? "Đã thu · " + c.seconds.toFixed(2) + " s" : "Chưa thu"));
    var buttons = el("div", "buttons");
    var rec = el("button", "rec", c.recorded ? "Thu lại" : "Thu");
    rec.type = "button"; rec.dataset.action = "record";
    rec.addEventListener("click", function () { select(c.name); toggle(c.name); });
    var play = el("button", "button", "Nghe");
    play.type = "button"; play.dataset.action = "play"; play.disabled = !c.recorded;
    play.addEventListener("click", function () { select(c.name); playBack(c.name); });
    buttons.appendChild(rec); buttons.appendChild(play);
    li.appendChild(buttons);
    li.addEventListener("click", function () { select(c.name); });
    return li;
  }

  function microphone() {
    if (state.stream) return Promise.resolve(state.stream);
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      return Promise.reject(new Error("Trình duyệt này không thu âm được (cần HTTPS hoặc máy này). This browser cannot record here."));
    }
    // The server evens the loudness: the browser's own gain and noise processing stay off.
    return navigator.mediaDevices.getUserMedia({audio: {echoCancellation: false, noiseSuppression: false,
                                                        autoGainControl: false, channelCount: 1}})
      .then(function (s) { state.stream = s; return s; });
  }

  function toggle(name) {
    if (state.recorder) { stop(); return; }
    microphone().then(function (stream) {
      var chunks = [];
      var recorder = new MediaRecorder(stream);
      state.recorder = recorder; state.recordingName = name;
      var li = rowOf(name); li.classList.add("recording-now");
      li.querySelector("button.rec").textContent = "Dừng";
      recorder.addEventListener("dataavailable", function (e) { if (e.data.size) chunks.push(e.data); });
      recorder.addEventListener("stop", function () {
        li.classList.remove("recording-now"); li.classList.add("busy");
        upload(name, new Blob(chunks, {type: recorder.mimeType}))
          .catch(function (e) { if (e && e.message) status(e.message, false); })
          .then(function () { var r = rowOf(name); if (r) r.classList.remove("busy"); });
      });
      recorder.start();
      status("Đang thu «" + find(name).words + "»… bấm Dừng khi đọc xong. Recording…", true);
      state.stopTimer = setTimeout(stop, 10000);  // a forgotten Stop: the server refuses > 15 s
    }).catch(function (e) {
      status((e && e.message) || "Không mở được micrô. Cannot open the microphone.", false);
    });
  }
  function stop() {
    clearTimeout(state.stopTimer);
    if (state.recorder && state.recorder.state !== "inactive") state.recorder.stop();
    state.recorder = null;
  }

  // The recorder's WebM/Opus -> PCM (the browser's decoder) -> mono 22.05 kHz (an
  // OfflineAudioContext resamples and mixes down) -> a 16-bit WAV file.
  function toWav(blob) {
    return blob.arrayBuffer().then(function (bytes) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      return ctx.decodeAudioData(bytes).then(function (decoded) {
        ctx.close();
        var offline = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * RATE)), RATE);
        var src = offline.createBufferSource(); src.buffer = decoded;
        src.connect(offline.destination); src.start();
        return offline.startRendering();
      });
    }).then(function (rendered) { return wavFile(rendered.getChannelData(0), RATE); });
  }
  function wavFile(samples, rate) {
    var buffer = new ArrayBuffer(44 + samples.length * 2), v = new DataView(buffer);
    function text(at, s) { for (var i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i)); }
    text(0, "RIFF"); v.setUint32(4, 36 + samples.length * 2, true); text(8, "WAVE");
    text(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true);
    v.setUint16(34, 16, true); text(36, "data"); v.setUint32(40, samples.length * 2, true);
    for (var i = 0; i < samples.length; i++) {
      var s = Math.max(-1, Math.min(1, samples[i]));
      v.setInt16(44 + 2 * i, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([buffer], {type: "audio/wav"});
  }

  function upload(name, blob) {
    return toWav(blob).then(function (wav) {
      return fetch("/api/admin/recording/" + encodeURIComponent(name), {
        method: "PUT", headers: {"Content-Type": "audio/wav", "X-CSRF-Token": window.QMS_CSRF}, body: wav});
    }).then(answer).then(function (b) {
      test.uploads += 1; test.last = b.clip;
      render(b);
      status("Đã lưu «" + b.clip.words + "» (" + b.clip.seconds.toFixed(2) + " s). Saved — nghe lại để kiểm tra.", true);
      playBack(name);
      select(nextTodo(name));
    });
  }
  function playBack(name) {
    var audio = new Audio("/api/admin/recording/" + encodeURIComponent(name) + ".wav?t=" + Date.now());
    audio.play().catch(function () {});
  }

  document.addEventListener("keydown", function (e) {
    if (e.code === "Space" && state.selected && !/INPUT|TEXTAREA|BUTTON/.test(e.target.tagName)) {
      e.preventDefault(); toggle(state.recordingName && state.recorder ? state.recordingName : state.selected);
    }
  });
  load().catch(function () {});
})();
