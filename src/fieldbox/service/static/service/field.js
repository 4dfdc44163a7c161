/* The technician's phone: "now" buttons that write the current time in a time field, and the signature pads
   (signature_pad, served from our static files). A pad writes its PNG data URL into its hidden field at the end of
   each stroke, so the form holds the signature whoever sends it (a plain submit or the offline layer). */
(function () {
  "use strict";
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  function localNow() {
    var d = new Date();
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + "T" + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
  }
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-now]") : null;
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-now"));
    if (input) { input.value = localNow(); input.dispatchEvent(new Event("change", { bubbles: true })); }
  });

  function setUp(box) {
    var canvas = box.querySelector("canvas");
    var field = document.getElementById(box.getAttribute("data-signature"));
    if (!canvas || !field || !window.SignaturePad) { return; }
    var pad = new window.SignaturePad(canvas, { penColor: "#101828", minWidth: 0.8, maxWidth: 2.6 });
    function keep() { field.value = pad.isEmpty() ? "" : pad.toDataURL("image/png"); }
    var width = 0;
    function fit() {
      // A phone's address bar changes only the height: nothing to do. A new width (the phone turned) empties the
      // pad and its field: the drawing would not fit the new box, so the signer signs again.
      if (canvas.offsetWidth === width) { return; }
      width = canvas.offsetWidth;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      keep();
    }
    pad.addEventListener("endStroke", keep);
    var clear = box.querySelector("[data-clear]");
    if (clear) { clear.addEventListener("click", function () { pad.clear(); keep(); }); }
    window.addEventListener("resize", fit);
    fit();
  }
  function start() { document.querySelectorAll("[data-signature]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
