// The page's ticking countdown says what the server says: both are checked against the
// same cases (tests/fixtures/countdown.json; the Rust side in domain::rotation's tests).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { remaining } from "../static/countdown.mjs";

const cases = JSON.parse(readFileSync(new URL("../tests/fixtures/countdown.json", import.meta.url), "utf8"));

test("the countdown script words every case as the server does", () => {
  assert.ok(cases.length >= 8);
  for (const { seconds, text } of cases) assert.equal(remaining(seconds * 1000), text, `${seconds} s`);
});
