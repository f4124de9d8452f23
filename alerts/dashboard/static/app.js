// Jibao dashboard: live countdowns and a periodic refresh of the live part of a page.
// No build step, no dependencies. Times come from the server; the client clock is corrected
// by the offset between the server's "now" at render time and the client's.
(function () {
  "use strict";

  // Time in words, the same rules as rules/words.py (tests/rules/timewords_cases.json holds the
  // cases both are tested against): two units at most, the larger first, rounded down.
  var WORDS = {
    "zh-CN": { d: "天", h: "小时", m: "分钟", hm: "分", under: "不到 1 分钟",
               left: "剩余 {span}", late: "已逾期 {span}" },
    "en": { d: "d", h: "h", m: "min", hm: "min", under: "under 1 min",
            left: "{span} left", late: "{span} overdue" }
  };

  function span(ms, words) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(total / 86400), h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60);
    if (d > 0) { return d + " " + words.d + (h ? " " + h + " " + words.h : ""); }
    if (h > 0) { return h + " " + words.h + (m ? " " + m + " " + words.hm : ""); }
    if (m > 0) { return m + " " + words.m; }
    return words.under;
  }

  // `ms` is due minus now: zero or more is time left, less is overdue.
  function timeWords(ms, lang) {
    var words = WORDS[lang] || WORDS[String(lang).indexOf("en") === 0 ? "en" : "zh-CN"];
    return (ms < 0 ? words.late : words.left).replace("{span}", span(ms, words));
  }
  window.Jibao = { timeWords: timeWords };

  var offset = 0; // server time minus client time, in ms

  function syncOffset(root) {
    var marker = root.querySelector("[data-server-now]");
    if (marker) { offset = Date.parse(marker.getAttribute("data-server-now")) - Date.now(); }
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      var late = left < 0;
      el.textContent = timeWords(left, document.documentElement.lang);
      el.classList.toggle("late", late);
      var item = el.closest(".incident, .unit-line");
      if (item) { item.classList.toggle("late", late); }
    });
  }

  function refresh(live) {
    var url = live.getAttribute("data-refresh-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { live.innerHTML = html; syncOffset(live); tick(); })
      .catch(function () { live.classList.add("stale"); });
  }

  // A refused form: link each problem in its summary to its field, and bring the summary into
  // view (or, without one, the first problem under a field) so the page opens on what is wrong.
  function showProblems() {
    document.querySelectorAll(".error-summary a[data-field]").forEach(function (link) {
      var scope = link.closest("section, details, .card") || document;
      var field = scope.querySelector('[name="' + link.getAttribute("data-field") + '"]');
      if (!field || !field.id) return;
      link.setAttribute("href", "#" + field.id);
      var label = document.querySelector('label[for="' + field.id + '"]');
      var name = link.querySelector(".field-name");
      if (label && name) name.textContent = label.textContent.replace(/\s*\*\s*$/, "").trim();
      link.addEventListener("click", function (event) {
        event.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      });
    });
    var first = document.querySelector(".error-summary, .error[role=alert], .field-error");
    if (!first) return;
    var closed = first.closest("details:not([open])");
    if (closed) closed.open = true;
    if (!first.hasAttribute("tabindex")) first.setAttribute("tabindex", "-1");
    first.scrollIntoView({ block: "start" });
    first.focus({ preventScroll: true });
  }

  // Every required field's label carries the mark, whichever template drew it.
  function markRequired() {
    document.querySelectorAll("form [required][id]").forEach(function (field) {
      var label = document.querySelector('label[for="' + field.id + '"]');
      if (!label || label.querySelector(".req")) return;
      var mark = document.createElement("span");
      mark.className = "req";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "*";
      label.appendChild(document.createTextNode(" "));
      label.appendChild(mark);
    });
  }

  // Tables that stack into cards on a phone: a cell the template did not name takes its
  // column's heading (app.css shows it before the cell's text).
  function nameCells() {
    document.querySelectorAll("table.stack").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && heads[i]) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    nameCells();
    markRequired();
    showProblems();
    syncOffset(document);
    tick();
    setInterval(tick, 1000);
    var live = document.getElementById("live");
    if (live && live.getAttribute("data-refresh-url")) {
      var seconds = parseInt(live.getAttribute("data-refresh-seconds") || "15", 10);
      setInterval(function () { refresh(live); }, seconds * 1000);
    }
  });
})();
