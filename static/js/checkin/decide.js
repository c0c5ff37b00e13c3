// The check-in rule as an offline device applies it: the same rule as harkop/checkin/rule.py, in
// the same order (unknown_ticket, entry_not_confirmed, not_valid_today, then once per ticket per
// day). Both are held to one table of cases, tests/checkin/verdict_cases.json (Python:
// tests/checkin/test_rule.py; this file: tests/checkin/decide.test.mjs). Codes are compared as
// SHA-256 hashes: the roster never holds a ticket's secret.
export const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const SECRET_RE = new RegExp(`^[${ALPHABET}]{28}$`);
const PREFIX = "HK1:";
const WITA_OFFSET_MS = 8 * 3600 * 1000;

// The secret in a scanned payload or a typed code (spaces, dashes and case forgiven), or null.
export function parseCode(text) {
  let value = String(text || "").trim().toUpperCase();
  if (value.startsWith(PREFIX)) value = value.slice(PREFIX.length);
  value = value.replace(/[\s-]/g, "");
  return SECRET_RE.test(value) ? value : null;
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The server's "now", estimated from the roster's server_time plus the time elapsed on this
// device since it arrived: the device clock is used as a stopwatch only, never for the date.
export function serverNow(info, deviceNowMs = Date.now()) {
  if (!info) return null;
  return Date.parse(info.server_time) + Math.max(0, deviceNowMs - info.fetched_at);
}

// An offline scan's time bounded to its event day (WITA) and never after `latestMs`; `outside`
// when it fell outside the day (a clock that cannot be believed). The server applies the same
// bound (harkop/checkin/rule.py bound_to_day) and flags such a scan for the office.
export function boundToDay(atMs, day, latestMs) {
  const start = Date.parse(`${day}T00:00:00+08:00`);
  const end = start + 24 * 3600 * 1000 - 1;
  const outside = !(atMs >= start && atMs <= end);
  const upper = Math.max(start, Math.min(end, latestMs));
  return { at: Math.min(Math.max(atMs, start), upper), outside };
}

// The time an offline scan is sent with: the device clock corrected by the offset measured when
// the roster arrived (serverNow), the device's own clock only without a roster. `admitted_at` is
// what this device shows for its own admission: the same time, bounded to the roster's day.
export function scanTime(info, deviceNowMs = Date.now()) {
  const corrected = serverNow(info, deviceNowMs) ?? deviceNowMs;
  const iso = new Date(corrected).toISOString();
  if (!info || !info.date) return { scanned_at: iso, admitted_at: iso, outside: false };
  const bounded = boundToDay(corrected, info.date, corrected);
  return { scanned_at: iso, admitted_at: new Date(bounded.at).toISOString(), outside: bounded.outside };
}

// The server's today (WITA, YYYY-MM-DD) from a server instant in milliseconds.
export function witaDate(ms) {
  return new Date(ms + WITA_OFFSET_MS).toISOString().slice(0, 10);
}

// A code that does not parse never reaches the rule; no roster item has the code's hash.
export const MALFORMED = Object.freeze({ verdict: "unknown_ticket", reason: "malformed" });
export const NOT_FOUND = Object.freeze({ verdict: "unknown_ticket", reason: "not_found" });

// The offline verdict for a roster item (null: no ticket has this code) scanned on `day`
// (YYYY-MM-DD). `admission` is the ticket's admission that day, if any (from the roster or made
// by this device); it is returned with an already_checked_in verdict, for the screen.
export function decide(item, day, admission) {
  if (!item) return NOT_FOUND;
  if (item.entry_state !== "confirmed") return { verdict: "entry_not_confirmed", reason: item.entry_state };
  // `valid` is "confirmed and not revoked": with a confirmed entry, not valid means revoked.
  if (!item.valid) return { verdict: "entry_not_confirmed", reason: "ticket_revoked" };
  if (!item.days.includes(day)) return { verdict: "not_valid_today", reason: null };
  if (admission) return { verdict: "already_checked_in", reason: null, admission };
  return { verdict: "checked_in", reason: null };
}
