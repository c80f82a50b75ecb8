// Auctions: the bid box following the live price (countdowns: countdown.js). Every page works
// without it: the end time is printed, forms post and redirect back.
(function () {
  "use strict";

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
})();
