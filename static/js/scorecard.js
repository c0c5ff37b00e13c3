// The judge's tablet: autosave of drafts, submit through the API, and an offline queue.
//
// Every save carries this device's revision number for the card (kept in localStorage and never
// lower than the server's): the server keeps the highest one, so a late replay of an old save can
// never overwrite a newer one. A save that cannot reach the server waits in a queue in
// localStorage (newest state per card) and is replayed when the network returns; a banner shows
// how many wait. Without JavaScript the form posts to the page itself and works the same way.

const QUEUE_KEY = "harkop:scorecard-queue";
const DEVICE_KEY = "harkop:device-id";
const AUTOSAVE_MS = 1200;
const RETRY_MS = 20000;

const banner = document.querySelector("[data-sync-banner]");
const form = document.querySelector("form[data-scorecard]");
let offline = !navigator.onLine;
let replaying = false;

function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = `tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function readQueue() {
  try {
    const items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
    return Array.isArray(items) ? items : [];
  } catch {
    return [];
  }
}

function writeQueue(items) {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
  showBanner();
}

function enqueue(item) {
  // The newest state of a card replaces an older one still waiting: it carries a higher revision.
  const items = readQueue().filter((old) => old.key !== item.key);
  items.push(item);
  writeQueue(items);
}

function fill(template, key, value) {
  return (template || "").replace(`{${key}}`, value);
}

function showBanner() {
  if (!banner) return;
  const count = readQueue().length;
  if (count === 0) {
    banner.hidden = true;
    banner.textContent = "";
    return;
  }
  banner.hidden = false;
  banner.classList.toggle("is-online", !offline);
  banner.textContent = fill(offline ? banner.dataset.offlineText : banner.dataset.pendingText, "n", String(count));
}

async function send(item) {
  // Returns {ok, status, body} or null when the network failed.
  try {
    const response = await fetch(item.url, {
      method: "PUT",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": item.csrf },
      body: JSON.stringify(item.body),
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    offline = false;
    return { ok: response.ok, status: response.status, body };
  } catch {
    offline = true;
    return null;
  }
}

async function replay() {
  if (replaying) return;
  replaying = true;
  try {
    for (const item of readQueue()) {
      const result = await send(item);
      if (result === null) break; // still offline: keep the rest for later
      if (result.status === 401) break; // logged out: keep everything until the judge logs in again
      // Applied, refused as stale (the server holds a newer state), or refused for good: done either way.
      writeQueue(readQueue().filter((old) => !(old.key === item.key && old.body.revision === item.body.revision)));
      if (form && item.entryId === form.dataset.entryId && !result.ok) {
        window.location.reload();
      }
    }
  } finally {
    replaying = false;
    showBanner();
  }
}

window.addEventListener("online", () => {
  offline = false;
  replay();
});
window.addEventListener("offline", () => {
  offline = true;
  showBanner();
});
setInterval(() => {
  if (readQueue().length) replay();
}, RETRY_MS);
showBanner();
replay();

// --- the rubric form -------------------------------------------------------------------------

if (form && form.dataset.locked !== "true") {
  const entryId = form.dataset.entryId;
  const revKey = `harkop:rev:${form.dataset.judgeId}:${entryId}`;
  const status = form.querySelector("[data-save-status]");
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const criteria = [...form.querySelectorAll("fieldset[data-criterion]")];
  let timer = null;
  let lastSent = null;

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("is-error", isError);
  }

  function nextRevision() {
    const server = Number(form.dataset.revision || "0");
    const local = Number(localStorage.getItem(revKey) || "0");
    const next = Math.max(server, local) + 1;
    localStorage.setItem(revKey, String(next));
    return next;
  }

  function numberInput(fieldset) {
    return fieldset.querySelector("input[type=number]");
  }

  function syncRadios(fieldset) {
    const value = numberInput(fieldset).value.trim();
    for (const radio of fieldset.querySelectorAll("input[type=radio]")) {
      radio.checked = value !== "" && Number(radio.value) === Number(value);
    }
  }

  function collect() {
    const scores = {};
    for (const fieldset of criteria) {
      const raw = numberInput(fieldset).value.trim();
      scores[fieldset.dataset.criterion] = raw === "" ? null : Number(raw);
    }
    const comment = form.querySelector("textarea[name=catatan]").value;
    return { scores, comment };
  }

  function missing(scores) {
    return criteria.filter((fieldset) => scores[fieldset.dataset.criterion] === null);
  }

  function lock(text) {
    for (const el of form.querySelectorAll("fieldset, textarea, button")) el.disabled = true;
    say(text);
  }

  async function save(submit) {
    clearTimeout(timer);
    const { scores, comment } = collect();
    const snapshot = JSON.stringify({ scores, comment, submit });
    if (!submit && snapshot === lastSent) return true;
    const body = { scores, comment, submit, revision: nextRevision(), device_id: deviceId() };
    const item = { key: `${form.dataset.judgeId}:${entryId}`, entryId, url: form.dataset.api, csrf, body };
    const result = await send(item);
    if (result === null) {
      enqueue(item);
      lastSent = snapshot;
      if (submit) lock(form.dataset.queuedText);
      else say(form.dataset.queuedText);
      return false;
    }
    if (result.ok) {
      lastSent = snapshot;
      form.dataset.revision = String(result.body.revision);
      // The page's language and WITA, as the server writes times (09.30 / 09:30).
      const locale = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
      const time = new Date().toLocaleTimeString(locale, {
        hour: "2-digit", minute: "2-digit", timeZone: "Asia/Makassar",
      });
      say(fill(form.dataset.savedText, "t", time));
      return true;
    }
    const error = (result.body && result.body.error) || {};
    if (result.status === 409 && ["stale_revision", "scorecard_submitted", "scorecard_finalised"].includes(error.code)) {
      const card = error.details && error.details.card;
      if (card) localStorage.setItem(revKey, String(card.revision));
      say(form.dataset.staleText, true);
      window.location.reload();
      return false;
    }
    if (error.details && error.details.criterion_id) {
      const bad = form.querySelector(`fieldset[data-criterion="${error.details.criterion_id}"] input[type=number]`);
      if (bad) bad.focus();
    }
    say(fill(form.dataset.errorText, "m", error.message || String(result.status)), true);
    return false;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => save(false), AUTOSAVE_MS);
  }

  for (const fieldset of criteria) {
    for (const radio of fieldset.querySelectorAll("input[type=radio]")) {
      radio.addEventListener("change", () => {
        numberInput(fieldset).value = radio.value;
        schedule();
      });
    }
    numberInput(fieldset).addEventListener("input", () => {
      syncRadios(fieldset);
      schedule();
    });
  }
  form.querySelector("textarea[name=catatan]").addEventListener("input", schedule);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = event.submitter && event.submitter.value === "kirim";
    if (!submit) {
      await save(false);
      return;
    }
    const gaps = missing(collect().scores);
    if (gaps.length) {
      say(fill(form.dataset.missingText, "c", gaps.map((f) => f.dataset.name).join(", ")), true);
      numberInput(gaps[0]).focus();
      return;
    }
    if (await save(true)) {
      window.location.assign(form.dataset.next);
    }
  });

  // Leaving the page saves what was typed (the queue keeps it if the network is gone).
  window.addEventListener("pagehide", () => {
    if (timer) save(false);
  });
}
