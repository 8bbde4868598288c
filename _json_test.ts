// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { encodeJson } from "./_json.ts";

const ACTION = 'Cannot publish "e"';

function unfit(value: unknown, reason: string): void {
  assert.throws(
    () => encodeJson(value, ACTION, "payload"),
    new TypeError(`${ACTION}: ${reason}`),
  );
}

Deno.test("encodeJson() encodes JSON data exactly as JSON.stringify does", () => {
  const values = [
    null,
    true,
    false,
    0,
    -1.5,
    'text \u2028 "quoted"',
    [],
    {},
    [1, "a", [null, { b: [] }]],
    { a: 1, "b-c": { d: [true] }, e: "" },
    Object.assign(Object.create(null), { x: 1 }),
  ];
  for (const value of values) {
    const text = encodeJson(value, ACTION, "payload");
    assert.equal(text, JSON.stringify(value));
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
  }
});

Deno.test("encodeJson() leaves out undefined properties and honours toJSON", () => {
  assert.equal(
    encodeJson({ a: undefined, b: 1 }, ACTION, "payload"),
    '{"b":1}',
  );
  const date = new Date(0);
  assert.equal(
    encodeJson({ at: date }, ACTION, "payload"),
    '{"at":"1970-01-01T00:00:00.000Z"}',
  );
  const keys: string[] = [];
  const custom = {
    toJSON(key: string) {
      keys.push(key);
      return [key];
    },
  };
  assert.equal(encodeJson({ k: custom }, ACTION, "payload"), '{"k":["k"]}');
  assert.deepEqual(keys, ["k"]);
});

Deno.test("encodeJson() allows the same object twice when it is not a cycle", () => {
  const shared = { x: 1 };
  assert.equal(
    encodeJson({ a: shared, b: [shared] }, ACTION, "payload"),
    '{"a":{"x":1},"b":[{"x":1}]}',
  );
});

Deno.test("encodeJson() throws a TypeError naming the path of what JSON cannot carry", () => {
  unfit(() => {}, "payload is a function, which JSON cannot carry");
  unfit(
    { a: { run() {} } },
    "payload.a.run is a function, which JSON cannot carry",
  );
  unfit(Symbol("s"), "payload is a symbol, which JSON cannot carry");
  unfit([1n], "payload[0] is a BigInt, which JSON cannot carry");
  unfit({ "x-y": NaN }, 'payload["x-y"] is NaN, which JSON turns into null');
  unfit([Infinity], "payload[0] is Infinity, which JSON turns into null");
  unfit([1, undefined], "payload[1] is undefined, which JSON turns into null");
  unfit(
    { m: new Map() },
    "payload.m is a Map, which JSON cannot carry (use a plain object, or give it a toJSON method)",
  );
  class Point {
    x = 1;
  }
  unfit(
    [new Point()],
    "payload[0] is a Point, which JSON cannot carry (use a plain object, or give it a toJSON method)",
  );
  const cycle: { next?: unknown } = {};
  cycle.next = { back: [cycle] };
  unfit(
    cycle,
    "payload.next.back[0] refers back to an enclosing object, a cycle JSON cannot carry",
  );
});

Deno.test("encodeJson() turns a throwing toJSON or getter into a TypeError with the cause", () => {
  const boom = new Error("boom");
  for (
    const value of [
      {
        toJSON() {
          throw boom;
        },
      },
      {
        get x() {
          throw boom;
        },
      },
    ]
  ) {
    assert.throws(
      () => encodeJson(value, ACTION, "payload"),
      (error: TypeError) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, `${ACTION}: reading payload threw boom`);
        assert.equal(error.cause, boom);
        return true;
      },
    );
  }
});
