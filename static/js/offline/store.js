// The one offline store on the device (IndexedDB), for the gate's scanner and the judges' tablets.
// Scanner: the day's roster, the queue of scans made offline, this device's own admissions.
// Judges: the outbox of scorecard saves not yet accepted by the server (newest state per card;
// refused ones stay, with their reason, until the judge dismisses them) and the last card the
// server answered for each entry. Both: small settings (device id, gate, API token, last contact).
// The database keeps its first name ("harkop-checkin"): queues already on devices stay readable.
const DB_NAME = "harkop-checkin";
const DB_VERSION = 2;

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
    tx.onerror = () => reject(tx.error);
  });
}

export function openStore() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = (event) => {
        const db = req.result;
        if (event.oldVersion < 1) createScannerStores(db);
        if (event.oldVersion < 2) {
          // Scorecard saves waiting for (or refused by) the server, by "scorecard:<judge>:<entry>".
          db.createObjectStore("outbox", { keyPath: "key" });
          // The server's last answer for each card, by the same key.
          db.createObjectStore("cards", { keyPath: "key" });
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

function createScannerStores(db) {
  db.createObjectStore("meta", { keyPath: "key" });
  const roster = db.createObjectStore("roster", { keyPath: "code_hash" });
  roster.createIndex("ticket_id", "ticket_id", { unique: true });
  // Scans waiting for the server, in the order they were made (seq).
  const queue = db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
  queue.createIndex("nonce", "nonce", { unique: true });
  // Admissions this device made, by "ticket_id|day": what an offline device knows on top of its roster.
  db.createObjectStore("local", { keyPath: "key" });
}

export async function getMeta(key, fallback = null) {
  const db = await openStore();
  const row = await request(db.transaction("meta").objectStore("meta").get(key));
  return row ? row.value : fallback;
}

export async function setMeta(key, value) {
  const db = await openStore();
  const tx = db.transaction("meta", "readwrite");
  tx.objectStore("meta").put({ key, value });
  return done(tx);
}

export async function deleteMeta(key) {
  const db = await openStore();
  const tx = db.transaction("meta", "readwrite");
  tx.objectStore("meta").delete(key);
  return done(tx);
}

export async function replaceRoster(items, info) {
  const db = await openStore();
  const tx = db.transaction(["roster", "meta"], "readwrite");
  const store = tx.objectStore("roster");
  store.clear();
  for (const item of items) store.put(item);
  tx.objectStore("meta").put({ key: "roster", value: info });
  return done(tx);
}

export async function rosterByHash(hash) {
  const db = await openStore();
  return (await request(db.transaction("roster").objectStore("roster").get(hash))) || null;
}

export async function rosterByTicket(ticketId) {
  const db = await openStore();
  const index = db.transaction("roster").objectStore("roster").index("ticket_id");
  return (await request(index.get(ticketId))) || null;
}

export async function rosterAll() {
  const db = await openStore();
  return request(db.transaction("roster").objectStore("roster").getAll());
}

export async function updateRosterItem(item) {
  const db = await openStore();
  const tx = db.transaction("roster", "readwrite");
  tx.objectStore("roster").put(item);
  return done(tx);
}

export async function enqueue(entry) {
  const db = await openStore();
  const tx = db.transaction("queue", "readwrite");
  tx.objectStore("queue").add(entry);
  return done(tx);
}

export async function queued() {
  const db = await openStore();
  return request(db.transaction("queue").objectStore("queue").getAll());
}

export async function queueCount() {
  const db = await openStore();
  return request(db.transaction("queue").objectStore("queue").count());
}

export async function dequeue(seq) {
  const db = await openStore();
  const tx = db.transaction("queue", "readwrite");
  tx.objectStore("queue").delete(seq);
  return done(tx);
}

export async function localAdmission(ticketId, day) {
  const db = await openStore();
  return (await request(db.transaction("local").objectStore("local").get(`${ticketId}|${day}`))) || null;
}

export async function rememberAdmission(ticketId, day, admission) {
  const db = await openStore();
  const tx = db.transaction("local", "readwrite");
  tx.objectStore("local").put({ key: `${ticketId}|${day}`, ticket_id: ticketId, day, ...admission });
  return done(tx);
}

// --- the judges' outbox ----------------------------------------------------------------------

export async function outboxPut(item) {
  const db = await openStore();
  const tx = db.transaction("outbox", "readwrite");
  tx.objectStore("outbox").put(item);
  return done(tx);
}

export async function outboxGet(key) {
  const db = await openStore();
  return (await request(db.transaction("outbox").objectStore("outbox").get(key))) || null;
}

export async function outboxAll(prefix = "") {
  const db = await openStore();
  const items = await request(db.transaction("outbox").objectStore("outbox").getAll());
  return items.filter((item) => item.key.startsWith(prefix)).sort((a, b) => a.made_at - b.made_at);
}

export async function outboxDelete(key) {
  const db = await openStore();
  const tx = db.transaction("outbox", "readwrite");
  tx.objectStore("outbox").delete(key);
  return done(tx);
}

export async function cardPut(key, card) {
  const db = await openStore();
  const tx = db.transaction("cards", "readwrite");
  tx.objectStore("cards").put({ key, card, seen_at: Date.now() });
  return done(tx);
}

export async function cardGet(key) {
  const db = await openStore();
  const row = await request(db.transaction("cards").objectStore("cards").get(key));
  return row ? row.card : null;
}
