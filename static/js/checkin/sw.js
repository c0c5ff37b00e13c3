// The scanner's service worker (scope /checkin/): keeps the scanner page and its assets so the
// page opens without network. The API is never cached: the page keeps its roster and queue in
// IndexedDB itself. Bump VERSION when the list of assets changes, or when a script comes to need
// something new from another (an import): a new version installs every asset afresh at once, where
// the refresh of a kept copy could pair a new script with an old one.
const VERSION = "harkop-checkin-v6";
const PAGE = "/checkin/pindai";
const ASSETS = [
  "/static/css/harkop.css",
  "/static/css/checkin.css",
  "/static/img/favicon.svg",
  "/static/js/checkin/scanner.js",
  "/static/js/offline/store.js",
  "/static/js/checkin/decide.js",
  "/static/js/checkin/camera.js",
  "/static/js/checkin/feedback.js",
  "/static/js/checkin/qr-worker.js",
  "/static/vendor/jsqr/jsQR.js",
];
const PAGE_TIMEOUT_MS = 4000;
const ASSET_TIMEOUT_MS = 5000;

// The page is cached only as the logged-in scanner, never as a login page it was redirected to.
async function cachePage(cache, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    await cache.put(PAGE, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(VERSION);
      await cache.addAll(ASSETS);
      try {
        await cachePage(cache, await fetchWithin(PAGE, PAGE_TIMEOUT_MS, { credentials: "same-origin" }));
      } catch (err) {
        // Installed without the page: it is cached on the next visit.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("harkop-checkin-") && key !== VERSION) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

// A fetch that gives up after `ms`: aborted, so a connection that never answers is let go
// (a hung request would otherwise hold one of the browser's few connections to the server).
async function fetchWithin(request, ms, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(request, { ...options, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

// The page: the network first (fresh CSRF token, fresh "today"), the kept copy when it fails.
async function page(request) {
  const cache = await caches.open(VERSION);
  try {
    const response = await fetchWithin(request, PAGE_TIMEOUT_MS);
    if (request.method === "GET") await cachePage(cache, response);
    return response;
  } catch (err) {
    const kept = await cache.match(PAGE);
    if (kept) return kept;
    throw err;
  }
}

// Assets: the kept copy at once, refreshed in the background for the next visit.
async function asset(request) {
  const cache = await caches.open(VERSION);
  const kept = await cache.match(request, { ignoreSearch: true });
  const fresh = fetchWithin(request, ASSET_TIMEOUT_MS)
    .then(async (response) => {
      if (response.ok) await cache.put(request, response.clone());
      return response;
    })
    .catch(() => null);
  if (kept) {
    fresh.catch(() => {});
    return kept;
  }
  const response = await fresh;
  return response || Response.error();
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") return;
  if (url.pathname === PAGE && event.request.mode === "navigate") {
    event.respondWith(page(event.request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(event.request));
  }
});
