// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function showToasts(root) {
    root.querySelectorAll(".toast:not(.show)").forEach(function (el) {
      bootstrap.Toast.getOrCreateInstance(el).show();
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
    });
  }

  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
  }

  // <form data-confirm="…">: ask before an action that moves money or can't be undone.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  // <button data-copy="#selector">: copy that element's text; the button says so for a moment.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source) return;
    var text = source.textContent.trim();
    var done = function () {
      var icon = button.querySelector(".bi");
      if (icon) { icon.className = "bi bi-clipboard-check"; }
      button.setAttribute("title", button.dataset.copied || "Copied");
      setTimeout(function () { if (icon) { icon.className = "bi bi-clipboard"; } }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {  // plain http: select the text so the shopper can copy it
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { document.execCommand("copy"); done(); } catch (e) { /* selected for a manual copy */ }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showToasts(document);
    autosubmit(document);
  });

  if (window.htmx) {
    htmx.onLoad(function (el) {
      showToasts(document.getElementById("toasts") || document);
      autosubmit(el);
    });
    // Error responses (4xx with a body) are shown where their target is, not silently dropped.
    document.body.addEventListener("htmx:beforeSwap", function (evt) {
      if (evt.detail.xhr.status === 422 || evt.detail.xhr.status === 409) {
        evt.detail.shouldSwap = true;
        evt.detail.isError = false;
      }
    });
    document.body.addEventListener("htmx:responseError", function (evt) {
      var box = document.getElementById("toasts");
      if (!box) return;
      var div = document.createElement("div");
      div.className = "toast align-items-center border-0 text-bg-danger";
      div.setAttribute("role", "alert");
      div.innerHTML = '<div class="d-flex"><div class="toast-body"></div></div>';
      var xhr = evt.detail.xhr;  // a busy database answers 503 with a short plain-text message
      var own = xhr.status === 503 && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
      div.querySelector(".toast-body").textContent = own ? xhr.responseText :
        document.documentElement.lang.indexOf("zh") === 0 ? "出错了，请重试。" : "Something went wrong. Please try again.";
      box.appendChild(div);
      showToasts(box);
    });
  }
})();
