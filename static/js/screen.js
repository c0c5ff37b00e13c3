// The venue's big screen (/layar): poll the screen's JSON, draw its slides, show one at a time,
// and keep showing the last data (kept in localStorage too) when the network drops, saying how old
// it is. A display key arrives once in the link's fragment (#kunci=…), never sent in a URL: it is
// kept in localStorage and sent as the X-Display-Key header. Text is set with textContent only.

const root = document.getElementById("layar");
const slidesEl = document.getElementById("slides");
const statusEl = document.getElementById("status");
const KEY_STORE = "harkop.screen.key";
const DATA_STORE = "harkop.screen.last";
const params = new URLSearchParams(location.search);
const POLL_MS = Math.max(2, Number(params.get("detik")) || 10) * 1000;
const SLIDE_MS = Math.max(2, Number(params.get("ganti")) || 8) * 1000;

const t = (name, values = {}) =>
  (root.dataset[name] || "").replace(/%\((\w+)\)s/g, (_m, k) => String(values[k] ?? ""));

function store(name, value) {
  try {
    if (value === undefined) return localStorage.getItem(name);
    localStorage.setItem(name, value);
  } catch (_e) {
    /* private mode: keep it in memory only */
  }
  return null;
}

function readKey() {
  const match = location.hash.match(/kunci=([\w-]+)/);
  if (match) {
    store(KEY_STORE, match[1]);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return store(KEY_STORE) || "";
}

const key = readKey();
let last = null; // {data, receivedAt}
let live = false;
let index = 0;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

const number = (n) => Number(n || 0).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "id-ID");

function slide(id, title) {
  const section = el("section", null, "slide");
  section.setAttribute("aria-labelledby", id);
  const h = el("h2", title);
  h.id = id;
  section.append(h);
  return section;
}

function checkinSlide(data) {
  const section = slide("slide-checkin", t("tCheckin"));
  const total = el("p", null, "screen-total");
  total.append(el("span", number(data.checked_in), "screen-big"), " ", t("tTotal"));
  section.append(total);
  if (!data.competitions.length) {
    section.append(el("p", t("tNone")));
    return section;
  }
  const table = el("table", null, "screen-table");
  const body = el("tbody");
  for (const c of data.competitions) {
    const row = el("tr");
    const head = el("th");
    head.scope = "row";
    head.append(c.name, el("br"), el("span", `${c.slot} · ${c.place}`, "muted"));
    const count = data.staff ? `${number(c.checked_in)} / ${number(c.expected)}` : number(c.checked_in);
    row.append(head, el("td", count, "num"));
    body.append(row);
  }
  table.append(body);
  section.append(table);
  return section;
}

function winnerSlides(data) {
  return data.winners.map((w, i) => {
    const section = slide(`slide-winners-${i + 1}`, `${t("tWinners")} · ${w.competition}`);
    const list = el("ol", null, "screen-winners");
    for (const r of w.winners) {
      const item = el("li");
      item.append(el("span", r.award, "award"), el("span", r.team, "team"), el("span", r.cooperative, "coop"));
      list.append(item);
    }
    section.append(list);
    return section;
  });
}

function gateSlide(data) {
  const section = slide("slide-gate", t("tGate"));
  const table = el("table", null, "screen-table");
  const body = el("tbody");
  const rows = [
    [t("tExpected"), data.gate.expected],
    [t("tMissing"), data.competitions.reduce((n, c) => n + (c.missing || 0), 0)],
    [t("tConflicts"), data.gate.open_conflicts],
    ...data.gate.verdicts.map((v) => [v.label, v.count]),
  ];
  for (const [label, n] of rows) {
    const row = el("tr");
    const head = el("th", label);
    head.scope = "row";
    row.append(head, el("td", number(n), "num"));
    body.append(row);
  }
  table.append(body);
  section.append(table);
  return section;
}

function draw(data) {
  const slides = [checkinSlide(data), ...winnerSlides(data)];
  if (data.staff && data.gate) slides.push(gateSlide(data));
  if (data.key === "invalid") slides[0].append(el("p", t("tKeyInvalid"), "muted"));
  slidesEl.replaceChildren(...slides);
  const day = root.querySelector("[data-day]");
  if (day && data.day_label) day.textContent = data.day_label;
  show();
}

function show() {
  const slides = [...slidesEl.querySelectorAll(".slide")];
  if (!slides.length) return;
  index %= slides.length;
  slides.forEach((s, i) => {
    s.hidden = i !== index;
  });
}

function status() {
  if (!last) return;
  statusEl.classList.toggle("is-stale", !live);
  root.dataset.state = live ? "live" : "stale";
  if (live) {
    statusEl.textContent = t("tLive", { t: last.data.time });
    return;
  }
  const minutes = Math.floor((Date.now() - last.receivedAt) / 60000);
  statusEl.textContent =
    minutes < 1 ? t("tStaleNow", { t: last.data.time }) : t("tStale", { m: minutes, t: last.data.time });
}

async function poll() {
  try {
    const response = await fetch(root.dataset.src, {
      headers: key ? { "X-Display-Key": key, Accept: "application/json" } : { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    last = { data, receivedAt: Date.now() };
    store(DATA_STORE, JSON.stringify(last));
    live = true;
    draw(data);
  } catch (_e) {
    live = false;
    if (!last) {
      const kept = store(DATA_STORE);
      if (kept) {
        last = JSON.parse(kept);
        draw(last.data);
      }
    }
  }
  status();
}

setInterval(() => {
  index += 1;
  show();
}, SLIDE_MS);
setInterval(poll, POLL_MS);
setInterval(status, 15000);
show();
poll();
