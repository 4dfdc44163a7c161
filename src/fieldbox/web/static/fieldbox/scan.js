// Fieldbox: read a serial number or an IMEI from a barcode with the phone's camera.
// Progressive enhancement: every <input data-scan="serial|imei4|last7"> gets a "Scan" button; typing always works.
// One scanning pass fills every scannable field of the form: each code read goes to the field whose kind it is
// (a serial of the product, data-prefix, to the serial; a 15-digit code with a valid check digit to the IMEI's
// last 4), the scanner says what it read into which field, and closes once each field has its code. A code of
// the wrong kind never lands in a field.
// The native BarcodeDetector is used when the browser has one, otherwise the ZXing reader served from our
// own static files, loaded only when the scanner opens. Without a camera, a photo of the barcode is decoded.
(function () {
  "use strict";

  var script = document.currentScript;
  var CATALOG = script ? script.dataset.catalog : "";
  var LIBRARY = script ? script.dataset.library : "";
  var FORMATS = ["code_128", "code_39", "ean_13", "ean_8", "qr_code", "data_matrix"];
  var ZXING_FORMATS = ["CODE_128", "CODE_39", "EAN_13", "EAN_8", "QR_CODE", "DATA_MATRIX"];
  var HINT_POSSIBLE_FORMATS = 2; // ZXing DecodeHintType values (the enum is not exported by the UMD build)
  var HINT_TRY_HARDER = 3;
  var FRAME_EVERY_MS = 120;
  var MAX_SIDE = 1600;
  var libraryLoading = null;
  var catalogLoading = null;

  function gettext(text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  }

  function fill(text, value) {
    return typeof window.interpolate === "function" ? window.interpolate(text, [value]) : text.replace("%s", value);
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function luhnOk(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) { d -= 9; } }
      sum += d;
    }
    return sum % 10 === 0;
  }

  // The IMEI a code carries (15 digits with a valid check digit, alone or labelled "IMEI:"), or "".
  function imeiOf(raw) {
    var labelled = /IMEI\s*[:=]?\s*(\d{15})(?!\d)/i.exec(raw);
    var digits = labelled ? labelled[1] : (/^\d{15}$/.test(raw) ? raw : "");
    return digits && luhnOk(digits) ? digits : "";
  }

  // What goes into the field for a code read, or null when the code is not of the field's kind.
  function valueFor(input, text) {
    var raw = String(text).trim();
    var kind = input.dataset.scan;
    var imei = imeiOf(raw);
    if (kind === "imei4") { return imei ? { value: imei.slice(-4), shown: imei } : null; }
    if (imei || /^\d{15}$/.test(raw)) { return null; } // an IMEI, or a misread one, is never a serial number
    var serial = raw.replace(/\s+/g, "").toUpperCase();
    var prefix = (input.dataset.prefix || "").toUpperCase();
    if (!serial || (prefix && serial.indexOf(prefix) !== 0)) { return null; }
    if (kind === "last7") { return serial.length >= 7 ? { value: serial.slice(-7), shown: serial } : null; }
    return { value: serial, shown: serial };
  }

  function labelOf(input) {
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    return label ? label.textContent.trim() : input.name;
  }

  // A decoder: detect(source, width, height) resolves to the text of the first code read, or null.
  function nativeDecoder() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      if (!formats.length) { return null; }
      var detector = new window.BarcodeDetector({ formats: formats });
      return {
        // Every code in the picture.
        detect: function (source) {
          return detector.detect(source).then(function (codes) { return codes.map(function (c) { return c.rawValue; }); });
        },
      };
    }).catch(function () { return null; });
  }

  function zxingDecoder() {
    libraryLoading = libraryLoading || loadScript(LIBRARY);
    return libraryLoading.then(function () {
      var Z = window.ZXingBrowser;
      var hints = new Map();
      hints.set(HINT_POSSIBLE_FORMATS, ZXING_FORMATS.map(function (f) { return Z.BarcodeFormat[f]; }));
      hints.set(HINT_TRY_HARDER, true);
      var reader = new Z.BrowserMultiFormatReader(hints);
      var canvas = document.createElement("canvas");
      // The code in one part of the picture (x, y, w, h in its pixels), or null.
      function read(source, x, y, w, h) {
        var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        canvas.getContext("2d", { willReadFrequently: true }).drawImage(source, x, y, w, h, 0, 0, canvas.width, canvas.height);
        try { return reader.decodeFromCanvas(canvas).getText(); } catch (notFound) { return null; }
      }
      return {
        // ZXing reads one code a picture: the whole of it, then its halves, so that a label with a serial and an
        // IMEI barcode gives both (``known``: codes already read, looked past).
        detect: function (source, width, height, known) {
          var found = [];
          var whole = read(source, 0, 0, width, height);
          if (whole !== null) { found.push(whole); }
          if (whole === null || known(whole)) {
            [[0, 0, width, height / 2], [0, height / 2, width, height / 2], [0, 0, width / 2, height], [width / 2, 0, width / 2, height]]
              .forEach(function (r) {
                var text = read(source, r[0], r[1], r[2], r[3]);
                if (text !== null && found.indexOf(text) < 0) { found.push(text); }
              });
          }
          return Promise.resolve(found);
        },
      };
    });
  }

  function decoder() {
    return nativeDecoder().then(function (native) { return native || zxingDecoder(); });
  }

  function button(text, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    return b;
  }

  // The full-screen scanner for the scannable fields of a form (opened from the Scan button of one of them).
  function Scanner(inputs, opener) {
    this.inputs = inputs;
    this.opener = opener;
    this.filled = [];
    this.seen = {};
    this.stream = null;
    this.timer = null;
    this.closed = false;
    this.build();
  }

  Scanner.prototype.build = function () {
    var self = this;
    var box = document.createElement("div");
    box.className = "scan-overlay";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", gettext("Scan the barcode"));
    this.video = document.createElement("video");
    this.video.setAttribute("playsinline", "");
    this.video.muted = true;
    this.video.hidden = true;
    this.status = document.createElement("p");
    this.status.className = "scan-status";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.targets = document.createElement("ul");
    this.targets.className = "scan-targets";
    this.marks = this.inputs.map(function (input) {
      var item = document.createElement("li");
      item.textContent = labelOf(input);
      self.targets.appendChild(item);
      return item;
    });
    var bar = document.createElement("div");
    bar.className = "scan-actions";
    this.torch = button(gettext("Torch"), "secondary");
    this.torch.hidden = true;
    this.torch.setAttribute("aria-pressed", "false");
    this.torch.addEventListener("click", function () { self.toggleTorch(); });
    var cancel = button(gettext("Cancel"), "secondary");
    cancel.addEventListener("click", function () { self.close(false); });
    bar.append(this.torch, this.photoPicker(), cancel);
    box.append(this.video, this.targets, this.status, bar);
    box.addEventListener("keydown", function (event) { if (event.key === "Escape") { self.close(false); } });
    this.box = box;
    this.cancel = cancel;
  };

  Scanner.prototype.photoPicker = function () {
    var self = this;
    var label = document.createElement("label");
    label.className = "button secondary scan-photo";
    var file = document.createElement("input");
    file.type = "file";
    file.accept = "image/*";
    file.setAttribute("capture", "environment");
    file.addEventListener("change", function () { if (file.files && file.files[0]) { self.readPhoto(file.files[0]); } });
    label.append(file, document.createTextNode(gettext("Take a photo of the barcode")));
    return label;
  };

  Scanner.prototype.say = function (text) {
    this.status.textContent = text;
  };

  Scanner.prototype.open = function () {
    document.body.appendChild(this.box);
    document.body.classList.add("scan-open");
    this.cancel.focus();
    if (!window.isSecureContext) {
      return this.say(gettext("The camera needs a secure connection (HTTPS). Take a photo of the barcode instead."));
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return this.say(gettext("This browser cannot use the camera. Take a photo of the barcode instead."));
    }
    this.say(gettext("Starting the camera…"));
    var self = this;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) { return self.start(stream); })
      .catch(function (error) { self.cameraFailed(error); });
  };

  Scanner.prototype.cameraFailed = function (error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      this.say(gettext("Permission to use the camera was refused. Take a photo of the barcode instead."));
    } else if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError") {
      this.say(gettext("No camera is available. Take a photo of the barcode instead."));
    } else {
      this.say(gettext("The barcode reader could not start. Take a photo of the barcode instead."));
    }
  };

  Scanner.prototype.start = function (stream) {
    var self = this;
    if (this.closed) { stream.getTracks().forEach(function (track) { track.stop(); }); return; }
    this.stream = stream;
    this.video.srcObject = stream;
    this.video.hidden = false;
    this.box.classList.add("live");
    var track = stream.getVideoTracks()[0];
    var caps = track && track.getCapabilities ? track.getCapabilities() : {};
    this.torch.hidden = !caps.torch;
    return Promise.all([this.video.play(), decoder()]).then(function (ready) {
      self.decoder = ready[1];
      self.say(gettext("Point the camera at the barcode."));
      self.scanFrame();
    });
  };

  Scanner.prototype.scanFrame = function () {
    var self = this;
    if (this.closed) { return; }
    var video = this.video;
    var known = function (text) { return self.seen[text] === true; };
    var pending = video.videoWidth ? this.decoder.detect(video, video.videoWidth, video.videoHeight, known) : Promise.resolve([]);
    pending.catch(function () { return []; }).then(function (texts) {
      if (self.closed) { return; }
      if (!self.acceptAll(texts)) { self.timer = window.setTimeout(function () { self.scanFrame(); }, FRAME_EVERY_MS); }
    });
  };

  Scanner.prototype.readPhoto = function (file) {
    var self = this;
    this.say(gettext("Reading the photo…"));
    Promise.all([window.createImageBitmap(file), this.decoder ? Promise.resolve(this.decoder) : decoder()])
      .then(function (ready) {
        self.decoder = ready[1];
        return self.decoder.detect(ready[0], ready[0].width, ready[0].height, function (text) { return self.seen[text] === true; });
      })
      .then(function (texts) {
        if (!texts.length) { self.say(gettext("No barcode found in the photo. Try again closer and with more light, or type it.")); }
        else { self.acceptAll(texts, true); }
      })
      .catch(function () { self.say(gettext("This file is not a picture that can be read. Try another photo, or type it.")); });
  };

  // Put each new code read into the field of its kind still waiting for one; true once every field has its code.
  // ``again``: a photo the installer chose, so a code read before is said again rather than passed over.
  Scanner.prototype.acceptAll = function (texts, again) {
    var self = this;
    texts.forEach(function (text) {
      if (self.seen[text] && !again) { return; }
      self.seen[text] = true;
      self.accept(text);
    });
    return this.closed;
  };

  Scanner.prototype.accept = function (text) {
    var self = this;
    var shown = String(text).slice(0, 64);
    var place = null;
    this.inputs.some(function (input, n) {
      if (self.filled.indexOf(n) >= 0) { return false; }
      var read = valueFor(input, text);
      if (read) { place = { n: n, input: input, read: read }; }
      return read !== null;
    });
    if (!place) {
      var kinds = this.inputs.map(function (input) { return input.dataset.scan; });
      var message = kinds.length === 1 && kinds[0] === "imei4" ? gettext("This is not an IMEI: %s")
        : kinds.indexOf("imei4") >= 0 ? gettext("This is neither a serial number of this product nor an IMEI: %s")
          : gettext("This is not a serial number of this product: %s");
      this.say(fill(message, shown));
      return false;
    }
    var input = place.input;
    input.value = place.read.value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    showRead(input, place.read.shown);
    this.filled.push(place.n);
    this.marks[place.n].textContent = labelOf(input) + ": " + place.read.shown;
    this.marks[place.n].className = "done";
    var waiting = this.inputs.filter(function (_, n) { return self.filled.indexOf(n) < 0; });
    if (!waiting.length) {
      this.close(true);
      return true;
    }
    this.say(gettext("Now point the camera at the other barcode."));
    return true;
  };

  Scanner.prototype.toggleTorch = function () {
    var track = this.stream && this.stream.getVideoTracks()[0];
    if (!track) { return; }
    var on = this.torch.getAttribute("aria-pressed") !== "true";
    var self = this;
    track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
      self.torch.setAttribute("aria-pressed", String(on));
    }).catch(function () { self.torch.hidden = true; });
  };

  // Closed with every field filled, the form's button takes the focus (no keyboard comes up over it); otherwise the
  // Scan button that opened the scanner does.
  Scanner.prototype.close = function (complete) {
    if (this.closed) { return; }
    this.closed = true;
    window.clearTimeout(this.timer);
    if (this.stream) { this.stream.getTracks().forEach(function (track) { track.stop(); }); }
    this.video.srcObject = null;
    this.box.remove();
    document.body.classList.remove("scan-open");
    var form = this.opener.form;
    var submit = complete && form ? form.querySelector("button[type=submit], button:not([type])") : null;
    (submit || this.opener).focus();
    if (submit) { submit.scrollIntoView({ block: "nearest" }); }
  };

  function showRead(input, shown) {
    var row = input.closest(".scan-row") || input;
    var note = row.parentNode.querySelector(".scan-read");
    if (!note) {
      note = document.createElement("small");
      note.className = "scan-read";
      note.setAttribute("aria-live", "polite");
      row.after(note);
    }
    note.textContent = fill(gettext("Read: %s"), shown);
    window.clearTimeout(note.timer);
    note.timer = window.setTimeout(function () { note.textContent = ""; }, 8000);
  }

  // The button is named "Scan" and described by the field's label (a second name would label the field twice).
  function describe(scan, input) {
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    if (!label) { return; }
    label.id = label.id || input.id + "-label";
    scan.setAttribute("aria-describedby", label.id);
  }

  // Wraps the field in a row with its Scan button. The button comes once the translations have loaded, which on a
  // slow phone may be after the person started typing: moving a field out of the page and back takes its focus
  // away (the next keys would go nowhere), so a field being typed in gets its focus and its caret back at once,
  // before any other key is handled.
  function enhance(input) {
    if (input.dataset.scanReady) { return; }
    input.dataset.scanReady = "1";
    var typing = document.activeElement === input;
    var caret = typing ? [input.selectionStart, input.selectionEnd, input.selectionDirection] : null;
    var row = document.createElement("div");
    row.className = "scan-row";
    input.parentNode.insertBefore(row, input);
    row.appendChild(input);
    if (typing) {
      input.focus({ preventScroll: true });
      try { input.setSelectionRange(caret[0], caret[1], caret[2] || "none"); } catch (notText) { /* no caret */ }
    }
    var scan = button(gettext("Scan"), "secondary scan-button");
    describe(scan, input);
    scan.addEventListener("click", function () {
      var group = input.form ? Array.prototype.slice.call(input.form.querySelectorAll("input[data-scan]")) : [input];
      new Scanner(group, scan).open();
    });
    row.appendChild(scan);
  }

  function enhanceWithin(root) {
    var inputs = root.querySelectorAll ? root.querySelectorAll("input[data-scan]") : [];
    if (!inputs.length) { return; }
    if (!catalogLoading) {
      var missing = typeof window.gettext !== "function" && CATALOG;
      catalogLoading = (missing ? loadScript(CATALOG) : Promise.resolve()).catch(function () { return null; });
    }
    catalogLoading.then(function () { inputs.forEach(enhance); });
  }

  enhanceWithin(document);
  document.addEventListener("htmx:load", function (event) { enhanceWithin(event.target); });
})();
