// Gate staff's home (templates/main/checkin_home.html): the roster's freshness and the offline
// queue, read from the scanner's own storage on this device (static/js/offline/store.js; this file
// only reads it). Without JavaScript the page says where they are: on the scanner.
import { getMeta, queueCount } from "./offline/store.js";

const rosterLine = document.querySelector("[data-device-roster]");
const queueLine = document.querySelector("[data-device-queue]");
const fill = (text, values) => text.replace(/\{(\w)\}/g, (_m, k) => values[k] ?? "");

async function show() {
  if (!rosterLine || !window.indexedDB) return;
  try {
    const roster = await getMeta("roster");
    if (roster && roster.fetched_at) {
      const minutes = Math.max(0, Math.round((Date.now() - roster.fetched_at) / 60000));
      rosterLine.textContent = fill(rosterLine.dataset.fresh, { d: roster.date, n: roster.count, m: minutes });
    } else {
      rosterLine.textContent = rosterLine.dataset.none;
    }
    const waiting = await queueCount();
    queueLine.textContent = waiting ? fill(queueLine.dataset.waiting, { n: waiting }) : queueLine.dataset.empty;
    queueLine.hidden = false;
  } catch {
    // Storage unavailable (private mode): the server-rendered sentence stays.
  }
}
show();
