// The durable inspector's script: auto-refresh of the live parts of a
// page (paused on request, or while a form field has focus), and a
// confirmation before a cancel.
(function () {
  "use strict";
  var body = document.body;
  var every = parseInt(body.dataset.refresh || "0", 10);
  var key = "durable-inspector-paused";
  var toggle = document.getElementById("refresh-toggle");
  var state = document.getElementById("refresh-state");
  var paused = localStorage.getItem(key) === "1";

  function show() {
    if (!toggle) return;
    toggle.textContent = paused ? "Resume refresh" : "Pause refresh";
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    state.textContent = paused ? "paused" : "every " + (every >= 1000 ? Math.round(every / 1000) + " s" : every + " ms");
  }

  function editing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT");
  }

  function refresh() {
    if (paused || editing() || document.hidden) return;
    fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || paused || editing()) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = el.id && doc.getElementById(el.id);
          if (fresh) el.replaceWith(document.importNode(fresh, true));
        });
        var st = doc.getElementById("status"), cur = document.getElementById("status");
        if (st && cur) { cur.replaceWith(document.importNode(st, true)); }
      })
      .catch(function () {});
  }

  if (every > 0) {
    show();
    if (toggle) toggle.addEventListener("click", function () {
      paused = !paused;
      localStorage.setItem(key, paused ? "1" : "0");
      show();
    });
    setInterval(refresh, every);
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
})();
