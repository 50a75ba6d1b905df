// After django-otp-webauthn's script registered a passkey, go on to the page the button names
// (the new recovery codes, or the admin). Served from the project: the CSP allows no inline script.
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const next = event.target.dataset && event.target.dataset.next;
  if (next && next.startsWith("/")) {
    window.location.assign(next);
  }
});
