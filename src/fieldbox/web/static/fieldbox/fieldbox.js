// Fieldbox: small behaviours shared by every page. No inline scripts.
// A form with data-confirm asks before it is sent (destructive actions).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);

// A field marked data-autosubmit sends its form as soon as it changes (instead of an inline onchange handler).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});
