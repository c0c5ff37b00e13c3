// The check-in dashboard refreshes itself: every few seconds it fetches the figures again (the
// same server-drawn tables, as an HTML fragment) and swaps them in. Without JavaScript the page
// still shows the figures of the moment it was loaded.
const REFRESH_MS = 15000;
const body = document.getElementById("dashboard-body");
const updated = document.getElementById("board-updated");

async function refresh() {
  if (document.hidden) return;
  try {
    const res = await fetch(body.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!res.ok || res.redirected) return;
    const html = await res.text();
    const doc = new DOMParser().parseFromString(`<div>${html}</div>`, "text/html");
    body.replaceChildren(...doc.body.firstElementChild.childNodes);
    body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
    if (updated) updated.textContent = "✓";
  } catch (err) {
    if (updated) updated.textContent = "…";
  }
}

setInterval(refresh, REFRESH_MS);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
});
