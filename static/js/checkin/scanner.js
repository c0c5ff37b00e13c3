// The gate's scanner page: camera, typed code, hardware (keyboard-wedge) scanner and search.
// Online, every scan goes to POST /api/v1/checkins and the server's verdict is shown. Without
// network the page decides from the day's roster kept in IndexedDB, queues the scan with its
// nonce and replays the queue, one scan at a time, when the network returns. The API is called
// with a bearer token kept in IndexedDB, so a queue can be replayed hours later without a session.
import * as store from "../offline/store.js";
import { MALFORMED, boundToDay, decide, parseCode, scanTime, serverNow, sha256Hex, witaDate } from "./decide.js";
import { Camera } from "./camera.js";
import { signal, unlock } from "./feedback.js";

const API = "/api/v1";
const REQUEST_TIMEOUT_MS = 5000;
const SHOW_MS = { good: 2000, warn: 2500, bad: 2500 };
const SAME_CODE_PAUSE_MS = 5000; // a ticket held in front of the camera is read once, not in a loop
const RECENT_MAX = 6; // the last verdicts listed under the input
// Preferences of this device (not data): which way of checking tickets, and hardware-scanner mode.
const PREF_PANEL = "harkop.scanner.panel";
const PREF_WEDGE = "harkop.scanner.wedge";
const TICK_MS = 15000;
const ROSTER_EVERY_MS = 60000;
const KIND = {
  checked_in: "good",
  already_checked_in: "warn",
  not_valid_today: "bad",
  entry_not_confirmed: "bad",
  unknown_ticket: "bad",
};
const ICON = { good: "✓", warn: "⚠", bad: "✗" };

const root = document.getElementById("scanner");
const T = JSON.parse(root.dataset.strings);
const userId = root.dataset.user;
const csrf = root.dataset.csrf;
const $ = (id) => document.getElementById(id);
const fmt = (text, vars) => String(text).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));

class NetworkError extends Error {}
class AuthError extends Error {}

const state = {
  deviceId: null,
  gate: "",
  online: navigator.onLine,
  syncing: false,
  roster: null,
  rosterAt: 0,
  wedge: false,
  // Codes waiting for their verdict, in the order they came: each is checked, one after another.
  codes: [],
  pumping: false,
  seq: 0,
  lastCode: "",
  lastCodeAt: 0,
  hideTimer: null,
};

// --- network ---------------------------------------------------------------------------------

async function fetchWithTimeout(url, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await fetch(url, { ...options, signal: controller.signal });
  } catch (err) {
    throw new NetworkError(String(err));
  } finally {
    clearTimeout(timer);
  }
}

async function newToken() {
  const res = await fetchWithTimeout(`${API}/tokens`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
    // purpose "checkin": the token lasts to the event's last day plus a margin, not longer.
    body: JSON.stringify({ label: `pemindai ${String(state.deviceId).slice(0, 8)}`, purpose: "checkin" }),
  });
  if (res.status !== 201) throw new AuthError(`token: HTTP ${res.status}`);
  const { token } = await res.json();
  await store.setMeta(`token:${userId}`, token);
  return token;
}

async function api(path, options = {}, retry = true) {
  const token = (await store.getMeta(`token:${userId}`)) || (await newToken());
  const res = await fetchWithTimeout(API + path, {
    ...options,
    credentials: "omit",
    headers: { Accept: "application/json", ...(options.headers || {}), Authorization: `Bearer ${token}` },
  });
  if (res.status === 401 && retry) {
    await store.deleteMeta(`token:${userId}`);
    return api(path, options, false);
  }
  return res;
}

function postScan(body) {
  return api("/checkins", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// --- banner ----------------------------------------------------------------------------------

async function renderBanner() {
  const waiting = await store.queueCount();
  const banner = $("net-banner");
  banner.classList.toggle("net-offline", !state.online);
  banner.classList.toggle("net-online", state.online);
  banner.dataset.state = state.online ? "online" : "offline";
  banner.dataset.waiting = String(waiting);
  $("net-word").textContent = state.online ? T.online : T.offline;
  $("net-queue").textContent = waiting ? fmt(T.waiting, { n: waiting }) : T.waiting_none;
}

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  renderBanner();
  if (online) syncQueue();
}

// --- roster ----------------------------------------------------------------------------------

function today() {
  const ms = serverNow(state.roster);
  return ms ? witaDate(ms) : $("server-today").dataset.day;
}

// How fresh the roster on the device is, always in the banner: the server's time when it was
// loaded (never the device's clock).
function renderRosterStatus() {
  const el = $("roster-status");
  const short = $("net-roster");
  if (!state.roster) {
    el.textContent = T.roster_none;
    short.textContent = T.roster_missing;
    short.dataset.at = "";
    return;
  }
  const when = timeText(state.roster.server_time);
  el.textContent = fmt(T.roster_count, { n: state.roster.count, d: state.roster.date, t: when });
  short.textContent = fmt(T.roster_fresh, { t: when });
  short.dataset.at = state.roster.server_time;
}

async function refreshRoster() {
  if (!navigator.onLine) return;
  try {
    const res = await api("/checkins/roster");
    if (!res.ok) throw new NetworkError(`roster: HTTP ${res.status}`);
    const data = await res.json();
    const info = {
      date: data.date,
      today: data.today,
      server_time: data.server_time,
      fetched_at: Date.now(),
      count: data.total,
    };
    await store.replaceRoster(data.items, info);
    state.roster = info;
    state.rosterAt = Date.now();
    $("server-today").dataset.day = data.today;
    renderRosterStatus();
    setOnline(true);
  } catch (err) {
    if (err instanceof NetworkError) setOnline(false);
    $("roster-status").textContent = T.roster_error;
  }
}

// Keep what the server said about a ticket, so an offline decision a minute later knows it.
async function noteServerScan(scan) {
  if (!scan || !scan.ticket || !scan.admission || !state.roster) return;
  if (scan.admission.day !== state.roster.date) return;
  const item = await store.rosterByTicket(scan.ticket.id);
  if (item && !item.checked_in) {
    item.checked_in = scan.admission;
    await store.updateRosterItem(item);
  }
}

// --- deciding --------------------------------------------------------------------------------

function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function timeText(iso) {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "id-ID", {
      timeZone: "Asia/Makassar",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(iso)) + " WITA";
  } catch (err) {
    return iso;
  }
}

function localMessage(decision, item) {
  if (decision.verdict === "checked_in") return T.ok_welcome;
  if (decision.verdict === "already_checked_in") {
    const a = decision.admission || {};
    return fmt(T.checked_in_at, {
      when: a.admitted_at_text || timeText(a.admitted_at),
      who: a.by || T.this_device,
      gate: a.gate || T.no_gate,
    });
  }
  if (decision.verdict === "not_valid_today" && item) return fmt(T.valid_on, { days: item.days.join(", ") });
  return T[`r_${decision.reason}`] || "";
}

async function decideOffline(body, key) {
  const day = today();
  let item = null;
  if (key.ticketId) item = await store.rosterByTicket(key.ticketId);
  else if (key.secret) item = await store.rosterByHash(await sha256Hex(key.secret));
  let admission = null;
  if (item) {
    admission = await store.localAdmission(item.ticket_id, day);
    if (!admission && state.roster && state.roster.date === day) admission = item.checked_in;
  }
  const decision = !key.ticketId && !key.secret ? MALFORMED : decide(item, day, admission);
  if (decision.verdict === "checked_in") {
    const at = Date.parse(body.scanned_at);
    await store.rememberAdmission(item.ticket_id, day, {
      // as the server will record it: the corrected time, bounded to the day
      admitted_at: new Date(boundToDay(at, day, at).at).toISOString(),
      by: T.this_device,
      gate: state.gate,
      device_id: state.deviceId,
      offline: true,
    });
  }
  await store.enqueue({
    nonce: body.nonce,
    made_at: Date.now(),
    body: { ...body, offline: true, day, local_verdict: decision.verdict },
  });
  renderBanner();
  return {
    verdict: decision.verdict,
    ticket: item,
    message: localMessage(decision, item),
  };
}

async function submit(body, key) {
  if (state.online) {
    try {
      const res = await postScan(body);
      if (res.status === 200 || res.status === 409) {
        const data = await res.json();
        const scan = res.status === 200 ? data : data.error.details;
        await noteServerScan(scan);
        return { scan, offline: false };
      }
      if (res.status < 500) {
        const data = await res.json().catch(() => ({}));
        return problem(fmt(T.input_error, { m: (data.error && data.error.message) || res.status }));
      }
      // A server error: the scan is decided here and queued, like without network.
    } catch (err) {
      if (err instanceof NetworkError) setOnline(false);
      else if (err instanceof AuthError) $("sync-progress").textContent = T.sync_login;
      else throw err;
    }
  }
  return { scan: await decideOffline(body, key), offline: true };
}

function baseBody(method) {
  return {
    nonce: newNonce(),
    device_id: state.deviceId,
    gate: state.gate,
    // The device clock corrected by the offset measured when the roster arrived: a device whose
    // clock is a day behind still sends the right time (online, the server uses its own anyway).
    scanned_at: scanTime(state.roster).scanned_at,
    method,
  };
}

// Every code entered is queued and checked in turn, whatever the cadence, also while a verdict
// is on screen: a hardware scanner may send the next code before the last verdict is gone.
function enqueue(entry) {
  state.seq += 1;
  const item = { ...entry, seq: state.seq };
  state.codes.push(item);
  if (item.method === "camera") camera.pause();
  showPending(item);
  pump();
}

function handleCode(text, method) {
  const code = String(text || "").trim();
  if (code) enqueue({ code, method });
}

function handleTicket(ticketId) {
  enqueue({ ticketId, method: "search" });
}

async function pump() {
  if (state.pumping) return;
  state.pumping = true;
  try {
    while (state.codes.length) {
      const item = state.codes[0];
      let result;
      try {
        result = item.ticketId
          ? await submit({ ...baseBody("search"), ticket_id: item.ticketId }, { ticketId: item.ticketId })
          : await submit({ ...baseBody(item.method), code: item.code }, { secret: parseCode(item.code) });
      } catch (err) {
        result = problem(String(err));
      }
      state.codes.shift();
      present(result, item);
    }
  } finally {
    state.pumping = false;
  }
}

// --- the verdict screen ----------------------------------------------------------------------

function codeTail(item) {
  if (item.ticketId) return `#${item.ticketId}`;
  const code = String(item.code || "").replace(/[\s-]/g, "");
  return code.length > 6 ? `…${code.slice(-6)}` : code;
}

// A verdict arrived: listed among the last few, and on the big screen only when it is the
// verdict of the newest code (an earlier verdict never stands for a code still being checked).
function present(result, item) {
  const { scan, offline } = result;
  const kind = scan.verdict === "error" ? "bad" : KIND[scan.verdict] || "bad";
  addRecent(scan, kind, item, offline);
  signal(kind);
  if (item.seq === state.seq) show(scan, offline, item);
  else setPendingCount();
}

function addRecent(scan, kind, item, offline) {
  const list = $("recent-verdicts");
  const li = document.createElement("li");
  li.className = `recent recent-${kind}`;
  li.dataset.verdict = scan.verdict;
  li.dataset.seq = String(item.seq);
  const icon = document.createElement("span");
  icon.className = "recent-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = ICON[kind];
  const word = document.createElement("strong");
  word.textContent = T[`v_${scan.verdict}`] || T.v_error;
  const who = document.createElement("span");
  who.textContent = scan.ticket ? scan.ticket.participant : scan.message || "";
  const code = document.createElement("span");
  code.className = "muted";
  code.textContent = `${codeTail(item)}${offline ? ` · ${T.offline}` : ""}`;
  li.append(icon, word, who, code);
  list.prepend(li);
  while (list.children.length > RECENT_MAX) list.lastElementChild.remove();
  $("recent-box").hidden = false;
}

function setPendingCount() {
  const waiting = state.codes.length;
  $("verdict").querySelector(".verdict-pending").textContent = waiting > 1 ? fmt(T.codes_waiting, { n: waiting }) : "";
}

// A new code came in: whatever verdict was on screen makes way at once for "checking…".
function showPending(item) {
  const el = $("verdict");
  if (el.hidden) {
    setPendingCount();
    return;
  }
  clearTimeout(state.hideTimer);
  el.className = "verdict verdict-checking";
  el.dataset.verdict = "pending";
  el.dataset.seq = String(item.seq);
  el.dataset.offline = "0";
  el.querySelector(".verdict-icon").textContent = "…";
  el.querySelector(".verdict-label").textContent = T.checking;
  for (const cls of [".verdict-name", ".verdict-team", ".verdict-competition", ".verdict-message"]) {
    el.querySelector(cls).textContent = "";
  }
  el.querySelector(".verdict-code").textContent = codeTail(item);
  el.querySelector(".verdict-offline").hidden = true;
  setPendingCount();
}

function show(scan, offline, item) {
  const kind = scan.verdict === "error" ? "bad" : KIND[scan.verdict] || "bad";
  const el = $("verdict");
  const ticket = scan.ticket;
  el.className = `verdict verdict-${kind}`;
  el.dataset.verdict = scan.verdict;
  el.dataset.seq = String(item.seq);
  el.dataset.offline = offline ? "1" : "0";
  el.querySelector(".verdict-icon").textContent = ICON[kind];
  el.querySelector(".verdict-label").textContent = T[`v_${scan.verdict}`] || T.v_error;
  el.querySelector(".verdict-name").textContent = ticket ? ticket.participant : "";
  el.querySelector(".verdict-team").textContent = ticket ? `${ticket.team} · ${ticket.cooperative}` : "";
  el.querySelector(".verdict-competition").textContent = ticket
    ? `${ticket.competition.name} · ${ticket.slot}${ticket.place ? ` · ${ticket.place}` : ""}`
    : "";
  el.querySelector(".verdict-message").textContent = scan.message || "";
  el.querySelector(".verdict-code").textContent = codeTail(item);
  const tag = el.querySelector(".verdict-offline");
  tag.hidden = !offline;
  tag.textContent = offline ? T.offline_tag : "";
  setPendingCount();
  el.hidden = false;
  // Typing (by hand or with a hardware scanner) goes on in the input: the focus stays there.
  if ($("panel-code").hidden) el.focus({ preventScroll: true });
  else $("code").focus({ preventScroll: true });
  clearTimeout(state.hideTimer);
  state.hideTimer = setTimeout(hideVerdict, SHOW_MS[kind]);
}

function problem(message) {
  return { scan: { verdict: "error", ticket: null, message }, offline: false };
}

function hideVerdict() {
  clearTimeout(state.hideTimer);
  if (state.codes.length) return; // a code is still being checked: its verdict comes next
  $("verdict").hidden = true;
  camera.resume();
  if (!$("panel-code").hidden) $("code").focus({ preventScroll: true });
}

// --- sync ------------------------------------------------------------------------------------

async function syncQueue() {
  if (state.syncing || !navigator.onLine) return;
  const items = await store.queued();
  if (!items.length) return;
  state.syncing = true;
  const progress = $("sync-progress");
  let sent = 0;
  let conflicts = 0;
  let stopped = "";
  try {
    for (const [i, item] of items.entries()) {
      progress.textContent = fmt(T.syncing, { i: i + 1, n: items.length });
      let res;
      try {
        res = await postScan(item.body);
      } catch (err) {
        if (err instanceof AuthError) stopped = T.sync_login;
        else setOnline(false);
        break;
      }
      if (res.status === 401 || res.status === 403) {
        stopped = T.sync_login;
        break;
      }
      if (res.status >= 500) break; // the server is struggling: try again at the next tick
      // 200 and 409 are recorded scans; 400/422 can never succeed, so they leave the queue too.
      const data = await res.json().catch(() => ({}));
      const scan = res.status === 200 ? data : data.error && data.error.details;
      if (scan && scan.conflict) conflicts += 1;
      await noteServerScan(scan);
      await store.dequeue(item.seq);
      sent += 1;
      setOnline(true);
      await renderBanner();
    }
  } finally {
    state.syncing = false;
  }
  const parts = [];
  if (sent) parts.push(fmt(T.synced, { n: sent }));
  if (conflicts) parts.push(fmt(T.sync_conflicts, { n: conflicts }));
  if (stopped) parts.push(stopped);
  progress.textContent = parts.join(" · ");
  await renderBanner();
  if (sent) refreshRoster();
}

async function tick() {
  if (!navigator.onLine) {
    setOnline(false);
    return;
  }
  if ((await store.queueCount()) > 0) await syncQueue();
  if (!state.online || Date.now() - state.rosterAt > ROSTER_EVERY_MS) await refreshRoster();
}

// --- search ----------------------------------------------------------------------------------

function badgeFor(item) {
  const span = document.createElement("span");
  if (item.refusal) {
    span.className = "badge badge-bad";
    span.textContent = `✗ ${T[`v_${item.refusal}`]}`;
  } else if (item.checked_in) {
    span.className = "badge badge-warn";
    span.textContent = `⚠ ${T.v_already_checked_in}`;
  } else {
    span.className = "badge badge-info";
    span.textContent = "–";
    span.hidden = true;
  }
  return span;
}

function renderResults(items) {
  const list = $("search-results");
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    li.className = "search-result";
    const text = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = item.participant;
    const team = document.createElement("span");
    team.textContent = `${item.team} · ${item.cooperative}`;
    const comp = document.createElement("span");
    comp.className = "muted";
    comp.textContent = `${item.competition.name} · ${item.slot}`;
    text.append(name, team, comp, badgeFor(item));
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn";
    button.textContent = T.checkin_button;
    button.setAttribute("aria-label", `${T.checkin_button}: ${item.participant}`);
    button.addEventListener("click", () => {
      unlock();
      handleTicket(item.ticket_id);
    });
    li.append(text, button);
    list.append(li);
  }
}

async function search(query) {
  const q = query.trim();
  const status = $("search-status");
  if (q.length < 2) {
    status.textContent = T.search_short;
    renderResults([]);
    return;
  }
  let items = null;
  if (state.online) {
    try {
      const res = await api(`/checkins/search?q=${encodeURIComponent(q)}&date=${today()}`);
      if (res.ok) items = (await res.json()).items;
      status.textContent = "";
    } catch (err) {
      if (err instanceof NetworkError) setOnline(false);
    }
  }
  if (items === null) {
    const needle = q.toLowerCase();
    items = (await store.rosterAll())
      .filter((i) => [i.participant, i.team, i.cooperative].some((v) => String(v).toLowerCase().includes(needle)))
      .slice(0, 20);
    const day = today();
    for (const item of items) {
      const local = await store.localAdmission(item.ticket_id, day);
      if (local) item.checked_in = local;
    }
    status.textContent = T.search_offline;
  }
  if (!items.length) status.textContent = T.search_none;
  renderResults(items);
}

// --- page ------------------------------------------------------------------------------------

const camera = new Camera($("camera-video"), {
  onCode(text) {
    const now = Date.now();
    if (text === state.lastCode && now - state.lastCodeAt < SAME_CODE_PAUSE_MS) return;
    state.lastCode = text;
    state.lastCodeAt = now;
    handleCode(text, "camera");
  },
  onState(name) {
    const messages = {
      starting: T.camera_starting,
      on: T.camera_on,
      off: T.camera_off,
      denied: T.camera_denied,
      missing: T.camera_missing,
    };
    $("camera-status").textContent = messages[name] || "";
    $("camera-status").dataset.state = name;
    const toggle = $("camera-toggle");
    toggle.textContent = name === "on" ? toggle.dataset.stop : toggle.dataset.start;
    $("torch-toggle").hidden = !(name === "on" && camera.torchSupported);
  },
});

function showPanel(id) {
  if (!$(id)) id = "panel-camera";
  try {
    localStorage.setItem(PREF_PANEL, id);
  } catch (err) {
    // private mode without storage: the choice lasts until the page is left
  }
  for (const tab of document.querySelectorAll(".mode-tab")) {
    const active = tab.dataset.panel === id;
    tab.setAttribute("aria-pressed", active ? "true" : "false");
    $(tab.dataset.panel).hidden = !active;
  }
  if (id !== "panel-camera" && camera.running) camera.stop();
  if (id === "panel-code") $("code").focus();
  if (id === "panel-search") $("search-q").focus();
}

function setWedge(on) {
  state.wedge = on;
  $("wedge-mode").checked = on;
  try {
    localStorage.setItem(PREF_WEDGE, on ? "1" : "0");
  } catch (err) {
    // as above
  }
  const input = $("code");
  // A hardware scanner types the code and presses Enter: no on-screen keyboard is wanted.
  if (on) input.setAttribute("inputmode", "none");
  else input.removeAttribute("inputmode");
  if (on) {
    if ($("panel-code").hidden) showPanel("panel-code");
    if (camera.running) camera.stop();
    input.focus();
  }
}

async function init() {
  state.deviceId = await store.getMeta("device_id");
  if (!state.deviceId) {
    state.deviceId = newNonce();
    await store.setMeta("device_id", state.deviceId);
  }
  state.gate = (await store.getMeta("gate", "")) || $("gate").value || "";
  $("gate").value = state.gate;
  $("device-id").textContent = state.deviceId;
  $("code-device").value = state.deviceId;
  state.roster = await store.getMeta("roster");
  renderRosterStatus();

  const toggle = $("camera-toggle");
  toggle.dataset.start = toggle.textContent;
  toggle.dataset.stop = toggle.dataset.stopLabel || "■";
  $("mode-tabs").hidden = false;
  document.querySelector(".wedge-toggle").hidden = false;
  $("roster-refresh").hidden = false;
  let panel = "panel-camera";
  let wedge = false;
  try {
    panel = localStorage.getItem(PREF_PANEL) || panel;
    wedge = localStorage.getItem(PREF_WEDGE) === "1";
  } catch (err) {
    // no storage: the defaults
  }
  showPanel(panel);
  if (wedge) setWedge(true);
  else if (panel !== "panel-code") $("code").blur();
  // One hand, small screen: the scanner fills the view; the site's menu is a scroll away.
  root.scrollIntoView({ block: "start" });

  for (const tab of document.querySelectorAll(".mode-tab")) {
    tab.addEventListener("click", () => {
      unlock();
      showPanel(tab.dataset.panel);
    });
  }
  toggle.addEventListener("click", async () => {
    unlock();
    if (camera.starting) return; // the camera is coming on (e.g. started by itself): let it
    if (camera.running) camera.stop();
    else await camera.start();
  });
  $("torch-toggle").addEventListener("click", async () => {
    const on = await camera.setTorch(!camera.torchOn);
    const button = $("torch-toggle");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.querySelector(".torch-word").textContent = on ? T.torch_on : T.torch_off;
  });
  $("code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    unlock();
    const input = $("code");
    const text = input.value;
    input.value = ""; // ready for the next code at once, while this one is checked
    input.focus({ preventScroll: true });
    handleCode(text, state.wedge ? "wedge" : "manual");
  });
  $("wedge-mode").addEventListener("change", (event) => setWedge(event.target.checked));
  $("gate").addEventListener("input", async (event) => {
    state.gate = event.target.value.trim().slice(0, 60);
    await store.setMeta("gate", state.gate);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    unlock();
    search($("search-q").value);
  });
  $("roster-refresh").addEventListener("click", () => refreshRoster());
  $("verdict").addEventListener("click", () => hideVerdict());
  window.addEventListener("online", () => {
    state.online = false; // confirmed by the next request that reaches the server
    tick();
  });
  window.addEventListener("offline", () => setOnline(false));
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && camera.running) camera.stop();
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: "/checkin" }).catch(() => {});
  }
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions
      .query({ name: "camera" })
      .then((status) => {
        if (status.state === "granted" && !$("panel-camera").hidden) camera.start();
      })
      .catch(() => {});
  }
  await renderBanner();
  await tick();
  setInterval(tick, TICK_MS);
  root.dataset.ready = "1";
}

init();
