// Ticking countdowns (templates/includes/countdown.html). Every page works without it: the end
// time is printed next to the countdown.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function format(ms, dayLabel) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var clock = (d || h ? pad(h) + ":" : "") + pad(m) + ":" + pad(s % 60);
    return d ? d + dayLabel + " " + clock : clock;
  }

  // <time data-countdown data-end="<epoch s>" data-server-now="<epoch s>">: counts down against
  // the server's clock (the offset is taken when the element is first seen). At zero it shows
  // data-done, then refreshes its live part (data-refresh → data-refresh-target) or the page.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (el._skew === undefined) { el._skew = Number(el.dataset.serverNow) * 1000 - now; }
      var left = Number(el.dataset.end) * 1000 - (now + el._skew);
      var text = el.querySelector("[data-countdown-text]") || el;
      if (left > 0) { text.textContent = format(left, el.dataset.days || "d"); return; }
      if (el.dataset.done) { text.textContent = el.dataset.done; }
      if (el._fired) { return; }
      el._fired = true;
      if (el.dataset.refresh && window.htmx && document.querySelector(el.dataset.refreshTarget)) {
        setTimeout(function () {
          htmx.ajax("GET", el.dataset.refresh, {target: el.dataset.refreshTarget, swap: "outerHTML"});
        }, 1000);
      } else if (el.hasAttribute("data-reload")) {
        setTimeout(function () { window.location.reload(); }, 2000);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 1000);
})();
