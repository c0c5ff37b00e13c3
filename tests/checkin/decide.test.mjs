// static/js/checkin/decide.js against the check-in rule's table of cases (verdict_cases.json),
// the same table tests/checkin/test_rule.py runs through harkop/checkin/rule.py: same inputs,
// same verdicts. Run with `node --test tests/checkin/decide.test.mjs`; pytest runs it
// (tests/checkin/test_decide_js.py), so `make test` and CI fail on any mismatch.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const table = JSON.parse(readFileSync(new URL("./verdict_cases.json", import.meta.url), "utf8"));
// decide.js is a browser module (the scanner page loads it with type="module"); the repository's
// package.json does not declare one, so Node is given its text as a module of its own.
const source = readFileSync(new URL("../../static/js/checkin/decide.js", import.meta.url), "utf8");
const { boundToDay, decide, parseCode, serverNow, sha256Hex } = await import(
  `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`
);

test("the table has cases and codes", () => {
  assert.ok(table.cases.length > 0 && table.codes.length > 0);
});

for (const c of table.cases) {
  test(`rule: ${c.name}`, () => {
    // The device reads a roster item: the case's ticket carries the roster's fields (entry_state,
    // valid, days), which test_rule.py checks against the roster the server builds.
    const decision = decide(c.ticket, c.day, c.admission);
    assert.deepEqual({ verdict: decision.verdict, reason: decision.reason }, c.expect);
  });
}

for (const c of table.codes) {
  test(`code: ${c.name}`, async () => {
    const secret = parseCode(c.text);
    assert.equal(secret, c.secret);
    if (secret !== null) assert.equal(await sha256Hex(secret), c.code_hash);
  });
}

for (const c of table.clocks) {
  test(`clock: ${c.name}`, () => {
    const bounded = boundToDay(Date.parse(c.at), c.day, Date.parse(c.latest));
    assert.equal(bounded.at, Date.parse(c.expect.at));
    assert.equal(bounded.outside, c.expect.outside);
  });
}

for (const c of table.offsets) {
  test(`offset: ${c.name}`, () => {
    const info = { server_time: c.server_time, fetched_at: Date.parse(c.fetched_at) };
    assert.equal(serverNow(info, Date.parse(c.device_now)), Date.parse(c.expect));
  });
}
