// Fieldbox: read a serial number or an IMEI from a barcode with the phone's camera.
// Progressive enhancement: every <input data-scan="serial|imei4"> gets a "Scan" button; typing always works.
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

  // What goes into the field for a code read, or null when the code does not fit the field.
  function valueFor(kind, text) {
    var raw = String(text).trim();
    if (kind === "imei4") {
      var labelled = /IMEI\s*[:=]?\s*(\d{15})(?!\d)/i.exec(raw);
      var digits = labelled ? labelled[1] : (/^\d{15}$/.test(raw) ? raw : "");
      return digits && luhnOk(digits) ? { value: digits.slice(-4), shown: digits } : null;
    }
    var serial = raw.toUpperCase();
    return serial ? { value: serial, shown: serial } : null;
  }

  // A decoder: detect(source, width, height) resolves to the text of the first code read, or null.
  function nativeDecoder() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      if (!formats.length) { return null; }
      var detector = new window.BarcodeDetector({ formats: formats });
      return {
        detect: function (source) {
          return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
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
      return {
        detect: function (source, width, height) {
          var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
          canvas.width = Math.round(width * scale);
          canvas.height = Math.round(height * scale);
          canvas.getContext("2d", { willReadFrequently: true }).drawImage(source, 0, 0, canvas.width, canvas.height);
          try {
            return Promise.resolve(reader.decodeFromCanvas(canvas).getText());
          } catch (notFound) {
            return Promise.resolve(null);
          }
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

  // The full-screen scanner for one field.
  function Scanner(input) {
    this.input = input;
    this.kind = input.dataset.scan;
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
    var bar = document.createElement("div");
    bar.className = "scan-actions";
    this.torch = button(gettext("Torch"), "secondary");
    this.torch.hidden = true;
    this.torch.setAttribute("aria-pressed", "false");
    this.torch.addEventListener("click", function () { self.toggleTorch(); });
    var cancel = button(gettext("Cancel"), "secondary");
    cancel.addEventListener("click", function () { self.close(); });
    bar.append(this.torch, this.photoPicker(), cancel);
    box.append(this.video, this.status, bar);
    box.addEventListener("keydown", function (event) { if (event.key === "Escape") { self.close(); } });
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
    var pending = video.videoWidth ? this.decoder.detect(video, video.videoWidth, video.videoHeight) : Promise.resolve(null);
    pending.catch(function () { return null; }).then(function (text) {
      if (self.closed) { return; }
      if (text === null || !self.accept(text)) { self.timer = window.setTimeout(function () { self.scanFrame(); }, FRAME_EVERY_MS); }
    });
  };

  Scanner.prototype.readPhoto = function (file) {
    var self = this;
    this.say(gettext("Reading the photo…"));
    Promise.all([window.createImageBitmap(file), this.decoder ? Promise.resolve(this.decoder) : decoder()])
      .then(function (ready) {
        self.decoder = ready[1];
        return self.decoder.detect(ready[0], ready[0].width, ready[0].height);
      })
      .then(function (text) {
        if (text === null) { self.say(gettext("No barcode found in the photo. Try again closer and with more light, or type it.")); }
        else { self.accept(text); }
      })
      .catch(function () { self.say(gettext("This file is not a picture that can be read. Try another photo, or type it.")); });
  };

  // Fill the field with a code that fits it; say why when it does not.
  Scanner.prototype.accept = function (text) {
    var read = valueFor(this.kind, text);
    if (!read) {
      this.say(fill(gettext("This is not an IMEI: %s"), String(text).slice(0, 64)));
      return false;
    }
    this.input.value = read.value;
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    showRead(this.input, read.shown);
    this.close();
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

  Scanner.prototype.close = function () {
    if (this.closed) { return; }
    this.closed = true;
    window.clearTimeout(this.timer);
    if (this.stream) { this.stream.getTracks().forEach(function (track) { track.stop(); }); }
    this.video.srcObject = null;
    this.box.remove();
    document.body.classList.remove("scan-open");
    this.input.focus();
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

  function enhance(input) {
    if (input.dataset.scanReady) { return; }
    input.dataset.scanReady = "1";
    var row = document.createElement("div");
    row.className = "scan-row";
    input.parentNode.insertBefore(row, input);
    row.appendChild(input);
    var scan = button(gettext("Scan"), "secondary scan-button");
    describe(scan, input);
    scan.addEventListener("click", function () { new Scanner(input).open(); });
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
