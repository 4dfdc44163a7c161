// Fieldbox: small behaviours shared by every page. No inline scripts.
// A form with data-confirm asks before it is sent (destructive actions).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);
