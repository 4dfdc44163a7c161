/* The clock-in button of the technician's phone (service/field/_clock.html): asks the browser for its position,
 * puts it in the form and sends it. When the position is refused or cannot be found, says so and offers to send
 * without it (the server then checks the network the phone is on). Loaded once, whatever the number of blocks. */
(function () {
  "use strict";
  if (window.fieldboxClock) { return; }
  window.fieldboxClock = true;

  function say(form, text) {
    var status = form.querySelector("[data-clock-status]");
    if (status) { status.textContent = text || ""; }
  }

  function busy(form, on) {
    var main = form.querySelector("[data-clock-main]");
    if (main) { main.disabled = on; main.setAttribute("aria-busy", on ? "true" : "false"); }
  }

  function fallback(form, text) {
    busy(form, false);
    say(form, text);
    var anyway = form.querySelector("[data-clock-anyway]");
    if (anyway) { anyway.hidden = false; anyway.style.display = ""; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-clock")) { return; }
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-clock-anyway")) { return; }  // sent as it is, no position
    event.preventDefault();
    if (!navigator.geolocation) { fallback(form, form.dataset.unavailable); return; }
    busy(form, true);
    say(form, form.dataset.locating);
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy.value = String(Math.round(position.coords.accuracy));
      form.submit();
    }, function (error) {
      fallback(form, error && error.code === 1 ? form.dataset.denied : form.dataset.unavailable);
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  });
})();
