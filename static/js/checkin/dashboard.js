// The check-in dashboard refreshes itself: every few seconds it fetches the figures again (the
// same server-drawn tables, as an HTML fragment) and swaps them in, and says from when the figures
// are (the server's time of the answer). Without network it keeps the last figures and says so;
// the check-in service worker keeps the page itself, so it opens offline too. Without JavaScript
// the page still shows the figures of the moment it was loaded.
const REFRESH_MS = 15000;
const body = document.getElementById("dashboard-body");
const updated = document.getElementById("board-updated");
const asOf = document.getElementById("board-as-of");

function timeText(ms) {
  try {
    return `${new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "id-ID", {
      timeZone: "Asia/Makassar",
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(ms))} WITA`;
  } catch (err) {
    return new Date(ms).toISOString();
  }
}

function say(template, ms) {
  if (!asOf || !ms) return;
  asOf.textContent = String(template).replace("{t}", timeText(ms));
}

async function refresh() {
  if (document.hidden) return;
  try {
    const res = await fetch(body.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!res.ok || res.redirected) return;
    const html = await res.text();
    const doc = new DOMParser().parseFromString(`<div>${html}</div>`, "text/html");
    body.replaceChildren(...doc.body.firstElementChild.childNodes);
    body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
    const at = Date.parse(res.headers.get("Date") || "") || Date.now();
    if (asOf) asOf.dataset.at = new Date(at).toISOString();
    say(asOf && asOf.dataset.text, at);
    if (updated) updated.textContent = "✓";
    body.dataset.offline = "0";
  } catch (err) {
    say(asOf && asOf.dataset.offlineText, asOf && Date.parse(asOf.dataset.at));
    if (updated) updated.textContent = "";
    body.dataset.offline = "1";
  }
}

setInterval(refresh, REFRESH_MS);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
});
window.addEventListener("offline", refresh);
if ("serviceWorker" in navigator && body.dataset.sw) {
  navigator.serviceWorker.register(body.dataset.sw, { scope: "/checkin" }).catch(() => {});
}
