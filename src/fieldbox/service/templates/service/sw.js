/* Fieldbox service worker: the technician's pages and the static files open again without a signal.
   Pages under the field's paths: the network first, the last copy when there is none. Static files: the copy
   kept, refreshed in the background. Nothing else is touched (POSTs go to the network; offline.js keeps them). */
const CACHE = "fieldbox-field-v1";
const PAGES = {{ pages|safe }};
const STATIC = "{{ static }}";

self.addEventListener("install", (event) => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

function isPage(url) { return PAGES.some((prefix) => url.pathname.startsWith(prefix)); }

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      const kept = await cache.match(request);
      const fresh = fetch(request).then((response) => {
        if (response.ok) cache.put(request, response.clone());
        return response;
      }).catch(() => kept);
      return kept || fresh;
    }));
  } else if (isPage(url)) {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(async () => (await caches.match(request)) || Response.error()));
  }
});
