// The offline counter's service worker (seed 002 §12): keeps the paper-copy counter page,
// its scripts and styles, and the site's public keys, so a pharmacy keeps serving from
// the paper copy's QR when the site cannot be reached. Generated; version {{ version }}.
"use strict";
const CACHE = "noskhe-offline-{{ version }}";
const PAGE = "{{ page }}";
const KEYS = "{{ keys }}";
const ASSETS = {{ assets|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      return Promise.all([PAGE, KEYS].map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok) { return cache.put(url, response); }
        }).catch(function () {});
      }));
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.startsWith("noskhe-offline-") && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function cached(key, otherwise) {
  return caches.open(CACHE).then(function (cache) { return cache.match(key); })
    .then(function (hit) { return hit || otherwise || Response.error(); });
}

// The network when it answers; the kept copy when it cannot be reached or answers with a
// server error (a proxy's 502, the site's 503 with its database down).
function networkFirst(request, key) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
      return response;
    }
    return response.status >= 500 ? cached(key, response) : response;
  }).catch(function () { return cached(key); });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // The counter page itself fresh when online; any counter page while offline is the
    // paper-copy counter.
    if (url.pathname === PAGE || url.pathname.startsWith("{{ scope }}")) {
      event.respondWith(url.pathname === PAGE ? networkFirst(request, PAGE)
        : fetch(request).then(function (response) {
          return response.status >= 500 ? cached(PAGE, response) : response;
        }).catch(function () { return cached(PAGE); }));
    }
    return;
  }
  if (url.pathname === KEYS) { event.respondWith(networkFirst(request, KEYS)); return; }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (cached) {
        return cached || fetch(request);
      });
    }));
  }
});
