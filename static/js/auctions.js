// Auctions: ticking countdowns, and the bid box following the live price. Every page works
// without it: the end time is printed, forms post and redirect back.
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

  // After the live part changed: an untouched "Your bid" shows the new minimum.
  function follow() {
    var live = document.getElementById("lot-live");
    if (!live || !live.dataset.nextMinimum) { return; }
    document.querySelectorAll("#bid-box [data-next-minimum-text]").forEach(function (el) {
      el.textContent = live.dataset.nextMinimumText;
    });
    var input = document.getElementById("id_amount");
    if (input && document.activeElement !== input && !input.dataset.touched) {
      input.value = live.dataset.nextMinimum;
    }
  }

  // A refused action (409) or bad input (422) answers the updated box with its message: swap it
  // like a 200. (A plain DOM listener: it works whether or not htmx has loaded yet.)
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr && evt.detail.xhr.status;
    if (status === 409 || status === 422) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  document.addEventListener("input", function (evt) {
    if (evt.target && evt.target.id === "id_amount") { evt.target.dataset.touched = "1"; }
  });
  // htmx:load fires on each element htmx has just put in the page (attached, so it bubbles here).
  document.addEventListener("htmx:load", function (evt) {
    if (evt.target && evt.target.id === "lot-live") { follow(); }
  });
  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 1000);
})();
