// What the two service workers share (static/js/judging-sw.js for /juri, static/js/checkin/sw.js
// for /checkin), loaded into each with importScripts: a fetch that gives up, the options of the
// fetches a worker makes on its own, which responses may be kept, and assets served from the cache.

// Fetches the worker makes on its own: the server then leaves the person's flashed messages alone
// (templates/base.html), so a logout's "Anda sudah keluar." is not taken by a page kept in passing;
// a redirect (to the login page, once logged out) is not followed: nothing is kept from it.
const BACKGROUND = { credentials: "same-origin", headers: { "X-Harkop-Background": "1" }, redirect: "manual" };
const PAGE_TIMEOUT_MS = 4000;
const ASSET_TIMEOUT_MS = 5000;

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

// A page is kept only as the logged-in page itself, never as a login page it was redirected to.
function keepable(response) {
  return Boolean(response && response.ok && !response.redirected && response.type === "basic");
}

// Assets: the kept copy at once, refreshed in the background for the next visit; without a kept
// copy, the network within its timeout.
async function keptAsset(cacheName, request) {
  const cache = await caches.open(cacheName);
  const kept = await cache.match(request, { ignoreSearch: true });
  const fresh = fetchWithin(request, ASSET_TIMEOUT_MS)
    .then(async (response) => {
      if (response.ok) await cache.put(request, response.clone());
      return response;
    })
    .catch(() => null);
  if (kept) return kept;
  return (await fresh) || Response.error();
}
