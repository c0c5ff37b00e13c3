// The check-in service worker (scope /checkin): keeps the gate staff's pages and their assets so
// they open without network: the scanner, the staff landing page and the dashboard (each as last
// loaded, with a note saying it is a kept copy and from when). The API is never cached: the
// scanner keeps its roster and queue in IndexedDB itself. Bump VERSION when the list of assets changes, or when a script comes to need
// something new from another (an import): a new version installs every asset afresh at once, where
// the refresh of a kept copy could pair a new script with an old one.
importScripts("/static/js/offline/sw-kit.js"); // fetchWithin, BACKGROUND, keepable, keptAsset

const VERSION = "harkop-checkin-v9";
const PAGE = "/checkin/pindai";
// Pages kept as last loaded (the dashboard with whatever day was asked last).
const PAGES = ["/checkin", "/checkin/pindai", "/checkin/dasbor"];
const ASSETS = [
  "/static/css/harkop.css",
  "/static/css/checkin.css",
  "/static/img/favicon.svg",
  "/static/js/menu.js",
  "/static/js/gate-home.js",
  "/static/js/checkin/scanner.js",
  "/static/js/offline/store.js",
  "/static/js/offline/sw-kit.js",
  "/static/js/checkin/decide.js",
  "/static/js/checkin/camera.js",
  "/static/js/checkin/feedback.js",
  "/static/js/checkin/qr-worker.js",
  "/static/js/checkin/dashboard.js",
  "/static/vendor/jsqr/jsQR.js",
];

// A page is kept only as the logged-in page (keepable); the moment it was kept travels with it
// (a header of the kept copy).
async function keepPage(cache, path, response) {
  if (keepable(response)) {
    const headers = new Headers(response.headers);
    headers.set("X-Harkop-Kept-At", new Date().toISOString());
    const body = await response.clone().blob();
    await cache.put(path, new Response(body, { status: 200, headers }));
  }
  return response;
}

// A kept page says what it is: a note at the top of <main> with the time it was kept (WITA).
async function withKeptNote(kept) {
  const at = kept.headers.get("X-Harkop-Kept-At");
  const html = await kept.text();
  const english = /<html[^>]*lang="en"/.test(html);
  let when = at || "";
  try {
    when = new Intl.DateTimeFormat(english ? "en-GB" : "id-ID", {
      timeZone: "Asia/Makassar",
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(at));
  } catch (err) {
    // the ISO time as it is
  }
  const text = english
    ? `Offline: this is the copy kept on this device, data as of ${when} WITA.`
    : `Luring: ini salinan yang tersimpan di perangkat, data per ${when} WITA.`;
  const note = `<p class="alert alert-warning kept-copy" role="status" data-kept-at="${at || ""}">${text}</p>`;
  const body = html.replace(/(<main\b[^>]*>)/, `$1${note}`);
  return new Response(body, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(VERSION);
      await cache.addAll(ASSETS);
      for (const path of PAGES) {
        try {
          await keepPage(cache, path, await fetchWithin(path, PAGE_TIMEOUT_MS, BACKGROUND));
        } catch (err) {
          // Installed without this page: it is kept on the next visit.
        }
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

// Pages: the network first (fresh CSRF token, fresh "today"), the kept copy when it fails. The
// scanner's kept copy is shown as it is (the page itself says it is offline and how fresh its
// roster is); the landing page and the dashboard carry a note with the time they were kept.
async function page(request, path) {
  const cache = await caches.open(VERSION);
  try {
    const response = await fetchWithin(request, PAGE_TIMEOUT_MS);
    if (request.method === "GET") await keepPage(cache, path, response);
    return response;
  } catch (err) {
    const kept = await cache.match(path);
    if (kept) return path === PAGE ? kept : withKeptNote(kept);
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") return;
  if (PAGES.includes(url.pathname) && event.request.mode === "navigate") {
    event.respondWith(page(event.request, url.pathname));
  } else if (ASSETS.includes(url.pathname) || url.pathname.startsWith("/static/")) {
    // Listed assets are kept at install; any other static file (one the base layout gained
    // later) is kept on first use. Either way a request never hangs past its timeout.
    event.respondWith(keptAsset(VERSION, event.request));
  }
});
