// The console's only script: live turnout on the election-day screen, and the paper-ballot
// entry screen's keyboard flow. Pages work without it.
"use strict";
(function () {
  // Live turnout: <div data-live="/console/polls/<id>/live"> refreshed every 5 s.
  for (const el of document.querySelectorAll("[data-live]")) {
    const refresh = async () => {
      try {
        const r = await fetch(el.dataset.live, { credentials: "same-origin" });
        // A session that ended answers with the sign-in page: leave the figures alone.
        if (r.ok && !r.redirected) el.innerHTML = await r.text();
      } catch (_) { /* offline for a moment: keep the last figures */ }
    };
    setInterval(refresh, 5000);
  }
  // Paper entry: the first field has focus after each ballot, so Enter submits one ballot and
  // typing goes on with the next.
  const entry = document.querySelector("form[data-paper-entry]");
  if (entry) {
    const first = entry.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  }
})();
// Register upload: a progress bar while the file travels; the answer replaces the page.
(function () {
  const form = document.querySelector("form[data-upload]");
  if (!form || !window.XMLHttpRequest) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const bar = form.querySelector("progress");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && bar) { bar.hidden = false; bar.value = (100 * e.loaded) / e.total; }
    });
    xhr.addEventListener("load", () => { document.open(); document.write(xhr.responseText); document.close(); });
    xhr.send(new FormData(form));
  });
})();
