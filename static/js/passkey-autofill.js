// Passkey autofill (WebAuthn conditional mediation) on the sign-in page: where the browser
// supports it, its email field offers the user's passkeys; picking one signs in through
// the same allauth endpoint as the "Sign in with a passkey" button.
(function () {
  "use strict";
  var form = document.getElementById("mfa_login");
  var credentialInput = document.getElementById("mfa_credential");
  var button = document.getElementById("passkey_login");
  if (!form || !credentialInput || !window.PublicKeyCredential || !window.webauthnJSON) return;
  if (typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return;
  var controller = new AbortController();
  // The explicit button starts its own ceremony: stop the pending autofill request first.
  if (button) button.addEventListener("click", function () { controller.abort(); }, true);

  PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
    if (!available || controller.signal.aborted) return null;
    return fetch(form.action, { method: "GET", headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || controller.signal.aborted) return null;
        var options = Object.assign({}, data.request_options, { mediation: "conditional", signal: controller.signal });
        return window.webauthnJSON.get(options);
      })
      .then(function (credential) {
        if (!credential || controller.signal.aborted) return;
        credentialInput.value = JSON.stringify(credential);
        form.submit();
      });
  }).catch(function () { /* autofill is a convenience: the button and the password still work */ });
})();
