// Gift draws. The new-draw form shows only the field its open method needs (both show without
// JavaScript). "Check it in my browser" recomputes a drawn draw from what the page reveals, with
// the steps of shop/gifts/fairness.py — SHA-256 of the seed must be the published fingerprint,
// and a seeded Fisher–Yates shuffle of the numbers 1…n must put the winners first.
(function () {
  "use strict";

  function text(id) { var el = document.getElementById(id); return el ? el.textContent.trim() : ""; }
  function numbers(id) { var t = text(id); return t && t !== "—" ? t.split(",").map(Number) : []; }

  async function sha256Hex(message) {
    var bytes = new TextEncoder().encode(message);
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  async function pickWinners(seed, order, k) {
    order = order.slice();
    var n = order.length, count = Math.min(k, n);
    for (var i = 0; i < count; i++) {
      var r = BigInt("0x" + await sha256Hex(seed + ":" + i));
      var j = i + Number(r % BigInt(n - i));
      var swap = order[i]; order[i] = order[j]; order[j] = swap;
    }
    return order.slice(0, count);
  }

  function showMethodFields() {
    var checked = document.querySelector("input[name=method]:checked");
    document.querySelectorAll("[data-method-field]").forEach(function (el) {
      el.hidden = !!checked && el.dataset.methodField !== checked.value;
    });
  }
  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.name === "method") { showMethodFields(); }
  });
  document.addEventListener("DOMContentLoaded", showMethodFields);

  document.addEventListener("click", async function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-verify-draw]");
    if (!button) { return; }
    var out = document.getElementById("fairness-check");
    if (!(window.crypto && crypto.subtle && window.BigInt)) { out.textContent = button.dataset.unsupported; return; }
    var seed = text("seed");
    var fingerprintOk = (await sha256Hex(seed)) === text("seed-hash");
    var winners = await pickWinners(seed, numbers("numbers"), Number(button.dataset.gifts));
    var ok = fingerprintOk && winners.join(",") === numbers("winner-numbers").join(",");
    out.textContent = ok ? button.dataset.ok : button.dataset.bad;
    out.className = "small mt-2 mb-0 fw-semibold " + (ok ? "text-success" : "text-danger");
    out.dataset.result = ok ? "ok" : "bad";
  });
})();
