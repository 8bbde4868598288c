// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import vm from "node:vm";
import { encodeJson, encodeJsonItems } from "./_json.ts";

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
  // The same on the exact path, which a boxed number sends it to.
  assert.equal(
    encodeJson({ a: undefined, b: 1, n: new Number(2) }, ACTION, "payload"),
    '{"b":1,"n":2}',
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
  // The same on the exact path, which a boxed number sends it to.
  assert.equal(
    encodeJson({ a: shared, b: [shared], n: new Number(1) }, ACTION, "payload"),
    '{"a":{"x":1},"b":[{"x":1}],"n":1}',
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
    const [value, path] of [
      [{
        toJSON() {
          throw boom;
        },
      }, "payload"],
      [{
        get x() {
          throw boom;
        },
      }, "payload.x"],
      [[1, {
        toJSON() {
          throw boom;
        },
      }], "payload[1]"],
    ] as const
  ) {
    assert.throws(
      () => encodeJson(value, ACTION, "payload"),
      (error: TypeError) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, `${ACTION}: reading ${path} threw boom`);
        assert.equal(error.cause, boom);
        return true;
      },
    );
  }
});

Deno.test("encodeJson() encodes nesting as deep as JSON.stringify does", () => {
  let object: unknown = 1;
  let array: unknown = 1;
  for (let i = 0; i < 200_000; i++) {
    object = { a: object };
    array = [array];
  }
  for (const value of [object, array]) {
    assert.equal(encodeJson(value, ACTION, "payload"), JSON.stringify(value));
  }
  // Past the depth of the fast walk, refusals still name the path.
  let deep: unknown = [Symbol("s")];
  for (let i = 0; i < 2_000; i++) deep = { a: deep };
  assert.throws(
    () => encodeJson(deep, ACTION, "payload"),
    new TypeError(
      `${ACTION}: payload${
        ".a".repeat(2_000)
      }[0] is a symbol, which JSON cannot carry`,
    ),
  );
});

Deno.test("encodeJson() finds a cycle however deep it closes", () => {
  const root: { next?: unknown } = {};
  let node: { next?: unknown } = root;
  for (let i = 0; i < 3_000; i++) node = node.next = {};
  node.next = root;
  assert.throws(
    () => encodeJson(root, ACTION, "payload"),
    new TypeError(
      `${ACTION}: payload${
        ".next".repeat(3_001)
      } refers back to an enclosing object, a cycle JSON cannot carry`,
    ),
  );
});

Deno.test("encodeJson() writes boxed primitives as the primitive, as JSON.stringify does", () => {
  const value = {
    n: new Number(1.5),
    s: new String("text"),
    b: new Boolean(false),
    list: [new Number(2), new String("")],
  };
  const text = encodeJson(value, ACTION, "payload");
  assert.equal(text, JSON.stringify(value));
  assert.equal(text, '{"n":1.5,"s":"text","b":false,"list":[2,""]}');
  unfit(
    { n: new Number(NaN) },
    "payload.n is NaN, which JSON turns into null",
  );
  unfit([Object(1n)], "payload[0] is a BigInt, which JSON cannot carry");
  unfit(
    { s: Object(Symbol("s")) },
    "payload.s is a boxed symbol, which JSON cannot carry",
  );
});

Deno.test("encodeJson() takes plain objects and arrays of another realm as plain", () => {
  const foreign = vm.runInNewContext(
    "({ a: [1, { b: 2 }], n: new Number(3), at: new Date(0) })",
  );
  assert.notEqual(Object.getPrototypeOf(foreign), Object.prototype);
  assert.equal(
    encodeJson(foreign, ACTION, "payload"),
    '{"a":[1,{"b":2}],"n":3,"at":"1970-01-01T00:00:00.000Z"}',
  );
  unfit(
    vm.runInNewContext("({ m: new Map() })"),
    "payload.m is a Map, which JSON cannot carry (use a plain object, or give it a toJSON method)",
  );
  unfit(
    vm.runInNewContext("[() => {}]"),
    "payload[0] is a function, which JSON cannot carry",
  );
});

Deno.test("encodeJson() writes a Date as JSON.stringify does and calls toJSON once", () => {
  const value = { at: new Date(0), bad: new Date(NaN), list: [new Date(1)] };
  assert.equal(encodeJson(value, ACTION, "payload"), JSON.stringify(value));
  let calls = 0;
  const once = {
    toJSON() {
      calls++;
      return { ok: true };
    },
  };
  assert.equal(encodeJson([once], ACTION, "payload"), '[{"ok":true}]');
  assert.equal(calls, 1);
  unfit(
    {
      at: {
        toJSON: () => ({ f() {} }),
      },
    },
    "payload.at.f is a function, which JSON cannot carry",
  );
});

Deno.test("encodeJson() cuts quoted keys and error texts at 200 characters", () => {
  const long = "k".repeat(10_000);
  unfit(
    { [long]: () => {} },
    `payload[${
      JSON.stringify("k".repeat(200))
    }…] is a function, which JSON cannot carry`,
  );
  assert.throws(
    () =>
      encodeJson(
        {
          get x() {
            throw new Error("e".repeat(10_000));
          },
        },
        ACTION,
        "payload",
      ),
    (error: TypeError) => {
      assert.equal(
        error.message,
        `${ACTION}: reading payload.x threw ${"e".repeat(200)}…`,
      );
      return true;
    },
  );
});

Deno.test("encodeJson() builds the error message only when it throws", () => {
  let built = 0;
  const action = () => {
    built++;
    return ACTION;
  };
  assert.equal(encodeJson({ a: [1] }, action, "payload"), '{"a":[1]}');
  assert.equal(built, 0);
  assert.throws(
    () => encodeJson({ a: [1n] }, action, "payload"),
    new TypeError(
      `${ACTION}: payload.a[0] is a BigInt, which JSON cannot carry`,
    ),
  );
  assert.equal(built, 1);
});

Deno.test("encodeJsonItems() writes the items as JSON.stringify does, checking the last as encodeJson does", () => {
  const deep: unknown[] = [];
  let inner = deep;
  for (let i = 0; i < 2_000; i++) inner.push(inner = []);
  const head = [2, "origin", 7, 'a "quoted" \u2028 id', "name"];
  for (
    const value of [
      { a: 1, b: [true, null, "x"] },
      [1, "a"],
      "text",
      5,
      null,
      // The exact path: a boxed primitive, no prototype, deep nesting.
      { n: new Number(3) },
      Object.assign(Object.create(null), { x: 1 }),
      deep,
    ]
  ) {
    const items = [...head, value];
    assert.equal(
      encodeJsonItems(items, ACTION, "payload"),
      JSON.stringify(items),
    );
  }
  assert.equal(encodeJsonItems([{ a: 1 }], ACTION, "payload"), '[{"a":1}]');
  assert.equal(
    encodeJsonItems([new Number(1)], ACTION, "payload"),
    JSON.stringify([1]),
  );
  assert.throws(
    () => encodeJsonItems([...head, { a: [1, 2n] }], ACTION, "payload"),
    new TypeError(
      `${ACTION}: payload.a[1] is a BigInt, which JSON cannot carry`,
    ),
  );
});
