// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Close an open dropdown menu on Escape or on a click outside it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  // Lists shown as cards on phones (table.stack) label each cell with its column's header.
  function labelStackedCells(root) {
    root.querySelectorAll("table.stack").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && headers[column]) cell.setAttribute("data-label", headers[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  }
  // Settings tabs scroll sideways on narrow screens: bring the current one into view.
  function revealActiveTab() {
    var active = document.querySelector(".sidenav .is-active");
    if (!active) return;
    var list = active.closest(".sidenav");
    if (list.scrollWidth <= list.clientWidth) return;
    var listBox = list.getBoundingClientRect(), tabBox = active.getBoundingClientRect();
    list.scrollLeft += tabBox.left - listBox.left - (listBox.width - tabBox.width) / 2;
  }
  document.addEventListener("DOMContentLoaded", function () {
    labelStackedCells(document);
    revealActiveTab();
  });
  document.addEventListener("htmx:afterSettle", function (event) { labelStackedCells(event.target); });
  // allauth's passkey ceremonies report a browser refusal as an "allauth.error" event and
  // otherwise do nothing visible: say what happened in the page's [data-passkey-error].
  var PASSKEY_ERRORS = {
    InvalidStateError: "This device already has a passkey for your account. Use it to sign in, or remove it under Security before adding it again.",
    NotAllowedError: "The passkey request was cancelled or timed out. Try again when you're ready.",
    SecurityError: "Passkeys can't be used on this address.",
    NotSupportedError: "This browser or device can't create passkeys.",
  };
  document.addEventListener("allauth.error", function (event) {
    var box = document.querySelector("[data-passkey-error]");
    var exception = event.detail && event.detail.exception;
    if (!box || !exception) return;
    event.preventDefault();
    box.textContent = PASSKEY_ERRORS[exception.name] || "Your browser couldn't complete the passkey request. Try again.";
    box.hidden = false;
  });
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // A "select all" checkbox (data-check-all="name") ticks every checkbox of that name.
  document.addEventListener("change", function (event) {
    var name = event.target.dataset && event.target.dataset.checkAll;
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
