// The console's only script: live turnout on the election-day screen, and the paper-ballot
// entry screen's keyboard flow. Pages work without it.
"use strict";
(function () {
  // Live turnout: <div data-live="/console/polls/<id>/live"> refreshed every 5 s.
  for (const el of document.querySelectorAll("[data-live]")) {
    const refresh = async () => {
      try {
        const r = await fetch(el.dataset.live, { credentials: "same-origin" });
        if (r.ok) el.innerHTML = await r.text();
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
