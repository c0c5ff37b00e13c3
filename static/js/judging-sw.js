// The judges' service worker (scope /juri, served at /juri/sw.js): the judge's list and every
// assigned rubric page open without network once the list was opened online. Pages go to the
// network first (fresh values and CSRF token) and fall back to the copy kept here; when the list
// arrives, every rubric page it links to is fetched and kept too. The API is never cached: the
// pages keep their saves in the offline store (static/js/offline/store.js) and overlay what they
// know there on a kept page. Bump VERSION when the list of assets changes.
importScripts("/static/js/offline/sw-kit.js"); // fetchWithin, BACKGROUND, keepable, keptAsset

const VERSION = "harkop-juri-v4";
const HOME = "/juri";
const ENTRY = /^\/juri\/penilaian\/entri\/\d+$/;
const ASSETS = [
  "/static/css/harkop.css",
  "/static/img/favicon.svg",
  "/static/js/menu.js",
  "/static/js/scorecard.js",
  "/static/js/offline/store.js",
  "/static/js/offline/sw-kit.js",
];
const OFFLINE_PAGE = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Luring</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Tidak ada jaringan</h1><p>Halaman ini belum pernah dibuka di perangkat ini, jadi belum tersimpan.
Buka <a href="/juri">daftar penilaian</a> yang tersimpan, atau coba lagi saat jaringan kembali.</p></main></body></html>`;

// Every rubric page the list links to, kept for the day the network is gone.
async function keepEntries(cache, html) {
  const paths = new Set([...html.matchAll(/href="(\/juri\/penilaian\/entri\/\d+)"/g)].map((m) => m[1]));
  for (const path of paths) {
    try {
      const response = await fetchWithin(path, PAGE_TIMEOUT_MS, BACKGROUND);
      if (response.type === "opaqueredirect") return; // logged out meanwhile: keep nothing more
      if (keepable(response)) await cache.put(path, response);
    } catch (err) {
      // kept the next time the list is opened online
    }
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(VERSION);
      await cache.addAll(ASSETS);
      // The list and every rubric page it links to, at once: a judge who opened the list once
      // online has all of them, even before the next visit.
      try {
        const response = await fetchWithin(HOME, PAGE_TIMEOUT_MS, BACKGROUND);
        if (keepable(response)) {
          await cache.put(HOME, response.clone());
          await keepEntries(cache, await response.text());
        }
      } catch (err) {
        // kept on the next visit
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("harkop-juri-") && key !== VERSION) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

async function page(event) {
  const request = event.request;
  const path = new URL(request.url).pathname;
  const cache = await caches.open(VERSION);
  try {
    const response = await fetchWithin(request, PAGE_TIMEOUT_MS);
    if (keepable(response)) {
      await cache.put(path, response.clone());
      if (path === HOME) {
        const html = await response.clone().text();
        event.waitUntil(keepEntries(cache, html));
      }
    }
    return response;
  } catch (err) {
    const kept = await cache.match(path);
    if (kept) return kept;
    return new Response(OFFLINE_PAGE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") return;
  if (event.request.mode === "navigate" && (url.pathname === HOME || ENTRY.test(url.pathname))) {
    event.respondWith(page(event));
  } else if (ASSETS.includes(url.pathname) || url.pathname.startsWith("/static/")) {
    // Listed assets are kept at install; any other static file (one the base layout gained
    // later) is kept on first use. Either way a request never hangs past its timeout.
    event.respondWith(keptAsset(VERSION, event.request));
  }
});
