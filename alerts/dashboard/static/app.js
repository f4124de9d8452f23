// Jibao dashboard: live countdowns and a periodic refresh of the live part of a page.
// No build step, no dependencies. Times come from the server; the client clock is corrected
// by the offset between the server's "now" at render time and the client's.
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function format(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }

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
      el.textContent = (late ? el.getAttribute("data-late-word") : el.getAttribute("data-left-word"))
        + " " + format(left);
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

  document.addEventListener("DOMContentLoaded", function () {
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
