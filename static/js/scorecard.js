// The judge's tablet, offline-first: autosave of drafts, submit through the API, and an outbox.
//
// Every save carries this device's revision number for the card (never lower than the server's):
// the server keeps the highest one, so a late replay of an old save never overwrites a newer one.
// Every request has a timeout: a save that cannot reach the server within it waits in the outbox
// of the one offline store (static/js/offline/store.js, IndexedDB; newest state per card) and is
// replayed when the network returns. The banner says how many wait and when the server last
// answered. After a replay the page shows the server's card; a save the server holds a newer
// state for shows both versions and lets the judge choose; a replay that needs a new login keeps
// the outbox and links to the login page (after it, the replay takes the new page's CSRF token,
// or asks the server for a fresh one); a save refused for good stays listed with its values and
// reason, and is reported to the judging monitor. The pages themselves come from the service
// worker (static/js/judging-sw.js) when the network is gone. Without JavaScript the form posts
// to the page itself and works the same way.
import * as store from "./offline/store.js";

const TIMEOUT_MS = 5000;
const AUTOSAVE_MS = 1200;
const RETRY_MS = 10000;
const LEGACY_QUEUE = "harkop:scorecard-queue"; // the outbox of earlier pages, moved into IndexedDB
const STALE = ["stale_revision"];

const banner = document.querySelector("[data-sync-banner]");
const form = document.querySelector("form[data-scorecard]");
const problems = document.querySelector("[data-save-problems]");
const judgeId = banner ? banner.dataset.judge : "";
const T = banner ? JSON.parse(banner.dataset.strings) : {};
const state = { csrf: banner ? banner.dataset.csrf : "", offline: !navigator.onLine, replaying: false, login: false };

class NetworkError extends Error {}

const fill = (text, vars) => String(text || "").replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
const cardKey = (entryId) => `scorecard:${judgeId}:${entryId}`;
const locale = () => (document.documentElement.lang === "en" ? "en-GB" : "id-ID");
const clockText = (ms) =>
  new Date(ms).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Makassar" });

// --- network ---------------------------------------------------------------------------------

async function request(url, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await fetch(url, { credentials: "same-origin", ...options, signal: controller.signal });
  } catch (err) {
    throw new NetworkError(String(err));
  } finally {
    clearTimeout(timer);
  }
}

async function contact() {
  state.offline = false;
  await store.setMeta(`judge:contact:${judgeId}`, Date.now());
}

// A fresh CSRF token from the judge's own page (network only), or null when it asks for a login.
async function freshCsrf() {
  const res = await request("/juri", { cache: "no-store", headers: { Accept: "text/html" } });
  if (!res.ok || res.redirected) return null;
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  const fresh = doc.querySelector("[data-sync-banner]");
  return fresh && fresh.dataset.judge === judgeId ? fresh.dataset.csrf : null;
}

async function put(item) {
  const res = await request(item.url, {
    method: "PUT",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": state.csrf },
    body: JSON.stringify(item.body),
  });
  const body = await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, body, code: body && body.error ? body.error.code : null };
}

// A save sent with this page's session: {login: true} when a new login is needed first.
// Throws NetworkError when the server cannot be reached in time.
async function send(item) {
  let result = await put(item);
  if (result.code === "csrf_invalid") {
    const token = await freshCsrf();
    if (token === null) return { login: true };
    state.csrf = token;
    result = await put(item);
  }
  if (result.status === 401 || result.code === "csrf_invalid") return { login: true };
  await contact();
  return result;
}

// --- the outbox ------------------------------------------------------------------------------

async function migrateLegacyQueue() {
  let items = [];
  try {
    items = JSON.parse(localStorage.getItem(LEGACY_QUEUE) || "[]");
  } catch {
    items = [];
  }
  if (!Array.isArray(items)) items = [];
  for (const old of items) {
    const [oldJudge, entryId] = String(old.key || "").split(":");
    if (!entryId || !old.body) continue;
    await store.outboxPut({
      key: `scorecard:${oldJudge}:${entryId}`,
      entryId: String(entryId),
      url: old.url,
      body: old.body,
      made_at: Date.now(),
      status: "waiting",
    });
  }
  localStorage.removeItem(LEGACY_QUEUE);
}

async function mine() {
  return store.outboxAll(`scorecard:${judgeId}:`);
}

async function showBanner() {
  if (!banner) return;
  const items = await mine();
  const waiting = items.filter((i) => i.status === "waiting").length;
  const last = await store.getMeta(`judge:contact:${judgeId}`);
  banner.dataset.waiting = String(waiting);
  banner.dataset.state = state.login ? "login" : state.offline ? "offline" : "online";
  const parts = [];
  if (waiting) parts.push(fill(state.offline ? T.offline : T.pending, { n: waiting }));
  if (waiting && last) parts.push(fill(T.last_contact, { t: clockText(last) }));
  banner.replaceChildren(parts.join(" · "));
  if (state.login && waiting) {
    const p = document.createElement("p");
    p.className = "sync-login";
    p.append(`${T.login_needed} `);
    const a = document.createElement("a");
    a.href = `${banner.dataset.login}?next=${encodeURIComponent(location.pathname)}`;
    a.textContent = T.login_link;
    p.append(a);
    banner.append(p);
  }
  banner.hidden = !waiting;
  banner.classList.toggle("is-online", !state.offline && !state.login);
  renderProblems(items);
}

function valuesText(body) {
  const names = {};
  if (form) for (const f of form.querySelectorAll("fieldset[data-criterion]")) names[f.dataset.criterion] = f.dataset.name;
  return Object.entries(body.scores || {})
    .map(([id, v]) => `${names[id] || `#${id}`}: ${v === null ? "–" : v}`)
    .join(", ");
}

// Saves the server refused for good: listed with their values and the reason until dismissed.
function renderProblems(items) {
  if (!problems) return;
  const refused = items.filter((i) => i.status === "refused");
  const list = problems.querySelector("ul");
  list.replaceChildren();
  for (const item of refused) {
    const li = document.createElement("li");
    li.dataset.refused = item.entryId;
    const title = document.createElement("strong");
    title.textContent = item.team || `#${item.entryId}`;
    const values = document.createElement("span");
    values.textContent = `${valuesText(item.body)}${item.body.comment ? ` · “${item.body.comment}”` : ""}`;
    const reason = document.createElement("span");
    reason.className = "problem-reason";
    reason.textContent = item.reason || "";
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "btn btn-secondary";
    dismiss.textContent = T.dismiss;
    dismiss.addEventListener("click", async () => {
      await store.outboxDelete(item.key);
      showBanner();
    });
    li.append(title, " ", values, " ", reason, " ", dismiss);
    list.append(li);
  }
  problems.hidden = refused.length === 0;
}

// The office hears of a save refused for good (best effort: the item stays on the device anyway).
async function report(item) {
  try {
    await request(`${item.url}/refusals`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": state.csrf },
      body: JSON.stringify({
        scores: item.body.scores,
        comment: item.body.comment || "",
        submit: Boolean(item.body.submit),
        code: item.code || "",
        reason: item.reason || "",
        device_id: item.body.device_id,
      }),
    });
  } catch {
    // reported with the next refusal, or seen on the device
  }
}

// One outcome of a save (sent live or replayed); true when the server took it.
async function settle(item, result, live = false) {
  if (result.ok) {
    await store.outboxDelete(item.key);
    await store.cardPut(item.key, result.body);
    if (page && page.entryId === item.entryId) page.showServerCard(result.body, item.body.submit);
    return true;
  }
  const error = (result.body && result.body.error) || {};
  if (STALE.includes(result.code) && error.details && error.details.card) {
    await store.cardPut(item.key, error.details.card);
    await store.outboxPut({ ...item, status: "stale", server_card: error.details.card });
    if (page && page.entryId === item.entryId) page.showChoice(item.body, error.details.card);
    return false;
  }
  if (result.status >= 500) return false; // the server is struggling: the item waits for the next try
  if (live && result.status === 422) {
    // Input the judge is still typing (a score out of range): said on the form, not kept.
    await store.outboxDelete(item.key);
    return false;
  }
  // Refused for good (locked, finalised, out of range, not assigned…): kept and shown, never dropped.
  const refused = { ...item, status: "refused", code: result.code, reason: error.message || String(result.status) };
  await store.outboxPut(refused);
  if (error.details && error.details.card) await store.cardPut(item.key, error.details.card);
  report(refused);
  if (page && page.entryId === item.entryId) page.refused(refused, error.details && error.details.card);
  return false;
}

async function replay() {
  if (state.replaying) return;
  state.replaying = true;
  try {
    for (const item of await mine()) {
      if (item.status !== "waiting") continue;
      let result;
      try {
        result = await send(item);
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        state.offline = true;
        break;
      }
      if (result.login) {
        state.login = true;
        break;
      }
      state.login = false;
      await settle(item, result);
    }
  } finally {
    state.replaying = false;
    await showBanner();
  }
}

// --- the rubric form -------------------------------------------------------------------------

let page = null;

function rubricPage() {
  const entryId = form.dataset.entryId;
  const key = cardKey(entryId);
  const revKey = `harkop:rev:${judgeId}:${entryId}`;
  const status = form.querySelector("[data-save-status]");
  const choice = document.querySelector("[data-choose-version]");
  const criteria = [...form.querySelectorAll("fieldset[data-criterion]")];
  const team = form.dataset.team;
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

  const numberInput = (fieldset) => fieldset.querySelector("input[type=number]");

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
    return { scores, comment: form.querySelector("textarea[name=catatan]").value };
  }

  function fillForm(values) {
    for (const fieldset of criteria) {
      const v = (values.scores || {})[fieldset.dataset.criterion];
      numberInput(fieldset).value = v === null || v === undefined ? "" : String(v);
      syncRadios(fieldset);
    }
    form.querySelector("textarea[name=catatan]").value = values.comment || "";
    lastSent = JSON.stringify({ ...collect(), submit: false });
  }

  function lock(text) {
    for (const el of form.querySelectorAll("fieldset, textarea, button")) el.disabled = true;
    form.dataset.locked = "true";
    say(text);
  }

  const missing = (scores) => criteria.filter((fieldset) => scores[fieldset.dataset.criterion] === null);

  // The server's card, as it stands: its values in the form, its revision, its state.
  function showServerCard(card, submitted) {
    form.dataset.revision = String(card.revision);
    if (Number(localStorage.getItem(revKey) || "0") < card.revision) localStorage.setItem(revKey, String(card.revision));
    form.dataset.state = card.state;
    form.dataset.serverRevision = String(card.revision);
    fillForm({ scores: card.scores || {}, comment: card.comment || "" });
    if (card.state === "submitted" || card.state === "finalised") lock(submitted ? T.sent : T.locked_server);
    else say(fill(T.saved, { t: clockText(Date.now()) }));
  }

  function versionList(values) {
    const dl = document.createElement("ul");
    for (const fieldset of criteria) {
      const li = document.createElement("li");
      const v = (values.scores || {})[fieldset.dataset.criterion];
      li.textContent = `${fieldset.dataset.name}: ${v === null || v === undefined ? "–" : v}`;
      dl.append(li);
    }
    if (values.comment) {
      const li = document.createElement("li");
      li.textContent = `${T.comment}: ${values.comment}`;
      dl.append(li);
    }
    return dl;
  }

  // Two versions of one card (another tablet saved a newer one): both shown, the judge chooses.
  function showChoice(mineBody, serverCard) {
    form.dataset.revision = String(serverCard.revision);
    choice.querySelector("[data-version-mine]").replaceChildren(versionList(mineBody));
    choice.querySelector("[data-version-server]").replaceChildren(versionList(serverCard));
    choice.hidden = false;
    choice.dataset.serverRevision = String(serverCard.revision);
    say(T.stale, true);
    choice.querySelector("[data-keep-mine]").onclick = async () => {
      choice.hidden = true;
      await store.outboxDelete(key);
      fillForm(mineBody);
      form.dataset.revision = String(serverCard.revision);
      await save(Boolean(mineBody.submit), true);
    };
    choice.querySelector("[data-keep-server]").onclick = async () => {
      choice.hidden = true;
      await store.outboxDelete(key);
      showServerCard(serverCard, false);
      showBanner();
    };
    choice.querySelector("[data-keep-mine]").focus();
  }

  function refused(item, card) {
    if (card) showServerCard(card, false);
    say(fill(T.refused, { m: item.reason }), true);
  }

  async function save(submit, force = false) {
    clearTimeout(timer);
    timer = null;
    const values = collect();
    const snapshot = JSON.stringify({ ...values, submit });
    if (!submit && !force && snapshot === lastSent) return true;
    const item = {
      key,
      entryId,
      team,
      url: form.dataset.api,
      // base_revision: the server's revision this page last saw, so a card another tablet changed
      // meanwhile comes back as two versions to choose from, never silently overwritten.
      body: {
        ...values,
        submit,
        revision: nextRevision(),
        base_revision: Number(form.dataset.revision || "0"),
        device_id: await deviceId(),
      },
      made_at: Date.now(),
      status: "waiting",
    };
    lastSent = snapshot;
    // Written down first: whatever happens to the request, the save is on the device.
    await store.outboxPut(item);
    let result;
    try {
      result = await send(item);
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      state.offline = true;
      await showBanner();
      if (submit) lock(T.queued);
      else say(T.queued);
      return false;
    }
    if (result.login) {
      state.login = true;
      await showBanner();
      say(T.login_needed, true);
      return false;
    }
    state.login = false;
    const ok = await settle(item, result, true);
    await showBanner();
    if (!ok && result.status >= 500) say(T.queued);
    if (!ok && result.status === 422) {
      const error = (result.body && result.body.error) || {};
      if (error.details && error.details.criterion_id) {
        const bad = form.querySelector(`fieldset[data-criterion="${error.details.criterion_id}"] input[type=number]`);
        if (bad) bad.focus();
      }
      say(fill(T.error, { m: error.message || String(result.status) }), true);
    }
    return ok;
  }

  // What this device knows beyond the page it was given (the page may come from the cache):
  // a save still waiting, a choice between two versions, or a newer card the server answered.
  async function restore() {
    const waiting = await store.outboxGet(key);
    if (waiting && waiting.status === "waiting") {
      fillForm(waiting.body);
      lastSent = JSON.stringify({ ...collect(), submit: Boolean(waiting.body.submit) });
      if (waiting.body.submit) lock(T.queued);
      else say(T.queued);
      return;
    }
    if (waiting && waiting.status === "stale") {
      showChoice(waiting.body, waiting.server_card);
      return;
    }
    const known = await store.cardGet(key);
    if (known && known.revision > Number(form.dataset.revision || "0")) showServerCard(known, false);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => save(false), AUTOSAVE_MS);
  }

  if (form.dataset.locked !== "true") {
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
        await save(false, true);
        return;
      }
      const gaps = missing(collect().scores);
      if (gaps.length) {
        say(fill(T.missing, { c: gaps.map((f) => f.dataset.name).join(", ") }), true);
        numberInput(gaps[0]).focus();
        return;
      }
      if (await save(true)) window.location.assign(form.dataset.next);
    });

    // Leaving the page saves what was typed (the outbox keeps it if the network is gone).
    window.addEventListener("pagehide", () => {
      if (timer) save(false);
    });
  }
  lastSent = JSON.stringify({ ...collect(), submit: false });
  return { entryId, showServerCard, showChoice, refused, restore };
}

async function deviceId() {
  let id = await store.getMeta("judge:device_id");
  if (!id) {
    id = localStorage.getItem("harkop:device-id") || `tab-${crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36)}`;
    await store.setMeta("judge:device_id", id);
  }
  return id;
}

// --- page ------------------------------------------------------------------------------------

async function init() {
  if (!banner) return;
  await migrateLegacyQueue();
  if (form) {
    page = rubricPage();
    await page.restore();
  }
  window.addEventListener("online", () => replay());
  window.addEventListener("offline", () => {
    state.offline = true;
    showBanner();
  });
  setInterval(replay, RETRY_MS);
  if ("serviceWorker" in navigator && banner.dataset.sw) {
    navigator.serviceWorker.register(banner.dataset.sw, { scope: "/juri" }).catch(() => {});
  }
  await showBanner();
  await replay();
  banner.dataset.ready = "1";
}

init();
