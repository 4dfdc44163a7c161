/* Changes made on the phone wait there until the network returns (issue: a bad signal in a cellar or a plant).
   Every form marked data-offline is sent through here: the change is first written to IndexedDB with its own
   idempotency key, then sent; whatever the network does, it stays until the server answered it (done or refused),
   and the server applies a key once (service/offline.py). The status line says what still waits. */
(function () {
  "use strict";
  const DB = "fieldbox-field", STORE = "changes";
  const status = document.getElementById("offline-status");
  const words = status ? status.dataset : {};
  let flushing = false;

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function tx(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = work(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }
  const all = () => tx("readonly", (s) => s.getAll()).then((rows) => (rows || []).sort((a, b) => a.at - b.at));
  const put = (row) => tx("readwrite", (s) => s.put(row));
  const drop = (key) => tx("readwrite", (s) => s.delete(key));

  function newKey() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.dataset.state = kind;
    status.hidden = !text;
  }
  async function show() {
    const waiting = (await all()).length;
    if (waiting) say((words.waiting || "%(n)s waiting").replace("%(n)s", waiting), "waiting");
    else if (status && status.dataset.state === "waiting") say(words.sent || "Sent", "sent");
  }
  function refuse(answer, here) {
    if (here && answer.html) {  // the person is looking at the form: the server's page with its errors
      document.open(); document.write(answer.html); document.close();
      return true;
    }
    say((answer.refusal || []).join(" "), "refused");  // sent later, from the queue: what was refused, and why
    return false;
  }

  async function send(row) {
    const body = new FormData();
    for (const [name, value, filename] of row.entries) {
      if (filename !== undefined) body.append(name, value, filename); else body.append(name, value);
    }
    const response = await fetch(row.url, {
      method: "POST", body, credentials: "same-origin",
      headers: { "Idempotency-Key": row.key, "X-Requested-With": "fieldbox-offline" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("application/json")) return null; // signed out, or a server error: try again later
    return response.json();
  }

  async function flush(form) {
    if (flushing) return;
    flushing = true;
    try {
      for (const row of await all()) {
        let answer;
        try { answer = await send(row); } catch (e) { break; } // no network: everything stays, in order
        if (!answer) { say(words.signin || "Sign in again to send what waits.", "waiting"); break; }
        await drop(row.key);
        const mine = form && row.page === location.pathname;
        if (answer.outcome === "refused") { if (refuse(answer, mine)) return; }
        else if (mine) { location.assign(answer.location || location.href); return; }
      }
    } finally {
      flushing = false;
      await show();
    }
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.defaultPrevented) return;  // refused already (a cancelled confirmation): nothing to send
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-offline")) return;
    event.preventDefault();
    const data = new FormData(form, event.submitter || undefined);
    const entries = [];
    for (const [name, value] of data.entries()) {
      if (value instanceof File) { if (value.size) entries.push([name, value, value.name]); }
      else entries.push([name, value]);
    }
    const url = form.getAttribute("action") || location.pathname;
    await put({ key: newKey(), url, entries, at: Date.now(), page: location.pathname,
                label: form.dataset.offline || "" });
    await show();
    await flush(form);
  });

  window.addEventListener("online", () => flush(null));
  setInterval(() => { if (navigator.onLine) flush(null); }, 15000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  show().then(() => { if (navigator.onLine) flush(null); });
})();
