// Branding page: live preview of colours and logo, and the same WCAG contrast rule as the server.
(function () {
  "use strict";
  var form = document.querySelector("[data-branding-form]");
  var preview = document.querySelector("[data-preview]");
  if (!form || !preview) return;
  var AA = parseFloat(form.dataset.aa) || 4.5;
  var HEX = /^#[0-9a-fA-F]{6}$/;

  function channel(v) { v = v / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function luminance(hex) {
    return 0.2126 * channel(parseInt(hex.substr(1, 2), 16)) + 0.7152 * channel(parseInt(hex.substr(3, 2), 16)) +
      0.0722 * channel(parseInt(hex.substr(5, 2), 16));
  }
  function ratio(a, b) { var x = luminance(a), y = luminance(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
  function textOn(hex) { return ratio(hex, "#FFFFFF") >= ratio(hex, "#111827") ? "#FFFFFF" : "#111827"; }
  function linkColor(hex) {
    var r = parseInt(hex.substr(1, 2), 16), g = parseInt(hex.substr(3, 2), 16), b = parseInt(hex.substr(5, 2), 16);
    for (var step = 0; step <= 20; step++) {
      var k = 1 - step * 0.05;
      var c = "#" + [r, g, b].map(function (v) { return ("0" + Math.round(v * k).toString(16)).slice(-2); }).join("");
      if (ratio(c, "#FFFFFF") >= AA) return c;
    }
    return "#111827";
  }

  function update(textInput) {
    var value = textInput.value.trim();
    var note = form.querySelector('[data-contrast-for="' + textInput.id + '"]');
    var picker = form.querySelector('[data-color-picker="' + textInput.id + '"]');
    if (!HEX.test(value)) { note.textContent = "Use #RRGGBB"; note.classList.add("is-bad"); return; }
    if (picker) picker.value = value.toLowerCase();
    var on = textOn(value), r = ratio(value, on);
    note.textContent = (on === "#FFFFFF" ? "White" : "Dark") + " text " + r.toFixed(2) + ":1" + (r < AA ? " — below AA, will be refused" : " ✓");
    note.classList.toggle("is-bad", r < AA);
    var name = textInput.name === "primary_color" ? "primary" : "accent";
    preview.style.setProperty("--brand-" + name, value);
    preview.style.setProperty("--brand-on-" + name, on);
    if (name === "primary") preview.style.setProperty("--brand-link", linkColor(value));
  }

  form.querySelectorAll("[data-color-text]").forEach(function (input) {
    input.addEventListener("input", function () { update(input); });
    update(input);
  });
  form.querySelectorAll("[data-color-picker]").forEach(function (picker) {
    picker.addEventListener("input", function () {
      var input = document.getElementById(picker.dataset.colorPicker);
      input.value = picker.value.toUpperCase();
      update(input);
    });
  });
  var logoInput = form.querySelector("[data-logo-input]");
  var logo = preview.querySelector("[data-preview-logo]");
  var name = preview.querySelector("[data-preview-name]");
  if (logoInput) logoInput.addEventListener("change", function () {
    var file = logoInput.files && logoInput.files[0];
    if (!file || !/^image\/(png|jpeg|webp)$/.test(file.type)) return;
    logo.src = URL.createObjectURL(file);
    logo.classList.remove("is-hidden");
    name.classList.add("is-hidden");
  });
})();
