/* The QR code of a CCCD card, read from a scanner that types like a keyboard.
 *
 * 2021 cards: "ID12|CMND9|name|DDMMYYYY birth|gender|address|DDMMYYYY issue"; cards from July
 * 2024 carry the QR on the back and the layout may differ. So nothing here trusts a field count
 * or a position: a scan is a CCCD if some field is a 12-digit ID, and the birth date is the
 * earliest valid DDMMYYYY field (the issue date always comes later).
 *
 * Only the birth date leaves this function, as an age: the ID, the name and the address are
 * never kept, logged or sent anywhere.
 */
(function (global) {
  "use strict";

  function validDate(text) {
    const m = /^(\d{2})(\d{2})(\d{4})$/.exec(text);
    if (!m) return null;
    const day = +m[1], month = +m[2], year = +m[3];
    if (year < 1900 || month < 1 || month > 12 || day < 1) return null;
    const date = new Date(year, month - 1, day);
    if (date.getMonth() !== month - 1 || date.getDate() !== day) return null;
    return date;
  }

  function ageOn(birth, today) {
    let age = today.getFullYear() - birth.getFullYear();
    const before = today.getMonth() < birth.getMonth() ||
      (today.getMonth() === birth.getMonth() && today.getDate() < birth.getDate());
    return before ? age - 1 : age;
  }

  /** text -> {age} or null when the text is not a CCCD QR. */
  function parseCccd(text, today) {
    today = today || new Date();
    if (typeof text !== "string" || text.indexOf("|") < 0 || text.length > 2000) return null;
    const fields = text.split("|").map(function (f) { return f.trim(); });
    if (!fields.some(function (f) { return /^\d{12}$/.test(f); })) return null;
    let birth = null;
    fields.forEach(function (f) {
      const date = validDate(f);
      if (date && date <= today && (!birth || date < birth)) birth = date;
    });
    if (!birth) return null;
    const age = ageOn(birth, today);
    if (age < 0 || age > 130) return null;
    return { age: age };
  }

  /** Collects fast keystrokes (a scanner) into one string; a person typing is ignored. */
  function ScannerInput(onScan) {
    let buffer = "", last = 0, timer = null;
    function flush() {
      clearTimeout(timer);
      const text = buffer;
      buffer = "";
      if (text.length >= 20) onScan(text);
    }
    document.addEventListener("keydown", function (event) {
      const now = Date.now();
      if (now - last > 300) buffer = "";  // slower than a scanner: start again
      last = now;
      if (event.key === "Enter" || event.key === "Tab") {
        if (buffer) { event.preventDefault(); flush(); }
        return;
      }
      if (event.key.length === 1) {
        buffer += event.key;
        if (buffer.length > 2000) buffer = "";
        clearTimeout(timer);
        timer = setTimeout(flush, 250);  // a scanner without a suffix key
      }
    }, true);
  }

  global.CCCD = { parse: parseCccd, ScannerInput: ScannerInput };
})(window);
