// Settings → Notifications: subscribe this browser to Web Push (VAPID) and register it.
(function () {
  "use strict";
  var button = document.querySelector("[data-webpush-enable]");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  var status = document.querySelector("[data-webpush-status]");
  button.hidden = false;

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function enable() {
    var permission = await window.Notification.requestPermission();
    if (permission !== "granted") throw new Error("Notifications are blocked for this site: allow them in your browser settings.");
    var registration = await navigator.serviceWorker.register(button.dataset.worker);
    await navigator.serviceWorker.ready;
    var subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(button.dataset.vapidKey),
    });
    var response = await fetch(button.dataset.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ platform: "webpush", token: JSON.stringify(subscription.toJSON()), name: button.dataset.deviceName }),
    });
    if (!response.ok) {
      var body = await response.json().catch(function () { return {}; });
      throw new Error((body.error && body.error.message) || "This browser could not be registered.");
    }
    status.textContent = "";
    window.location.reload();
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Asking your browser for a push subscription…";
    enable().catch(function (error) {
      status.textContent = error.message || "This browser could not be registered.";
      button.disabled = false;
    });
  });
})();
