// Copyright 2026 the arcly authors. MIT license.

// Bad input: every public method and option, called with each wrong type,
// gets a TypeError naming the argument (emit and waitFor: a rejected promise,
// never a synchronous throw) and leaves the bus exactly as it was.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { countingSignal, noUnhandledRejections } from "./_test_util.ts";

type Events = { a: number; b: number };

/** The bus with its argument types erased, to pass anything. */
type Loose = {
  subscribe(...args: unknown[]): unknown;
  subscribeAll(...args: unknown[]): unknown;
  emit(...args: unknown[]): Promise<void>;
  waitFor(...args: unknown[]): Promise<unknown>;
  listenerCount(...args: unknown[]): number;
  clear(...args: unknown[]): void;
};

const Bus = EventBus as unknown as new (...args: unknown[]) => unknown;

interface Value {
  label: string;
  value: unknown;
  /** How error messages describe it. */
  described: string;
}

const VALUES: Value[] = [
  { label: "undefined", value: undefined, described: "undefined" },
  { label: "null", value: null, described: "null" },
  { label: "number", value: 42, described: "number 42" },
  { label: "NaN", value: NaN, described: "number NaN" },
  { label: "bigint", value: 7n, described: "bigint 7" },
  { label: "boolean", value: true, described: "boolean true" },
  { label: "string", value: "x", described: 'string "x"' },
  { label: "symbol", value: Symbol("s"), described: "Symbol(s)" },
  { label: "object", value: { k: 1 }, described: "an object" },
  {
    label: "object with a non-function onEvent",
    value: { onEvent: 1 },
    described: "an object",
  },
  { label: "array", value: [], described: "an array" },
  { label: "function", value: () => {}, described: "a function" },
  {
    label: "AbortSignal look-alike missing removeEventListener",
    value: { aborted: false, addEventListener() {} },
    described: "an object",
  },
];

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

const VALID_LISTENER = (v: unknown) =>
  typeof v === "function" ||
  (isObject(v) && typeof (v as { onEvent?: unknown }).onEvent === "function");
const VALID_OPTIONS = (v: unknown) => v === undefined || isObject(v);
const VALID_ONCE = (v: unknown) => v === undefined || typeof v === "boolean";
const VALID_SIGNAL = (v: unknown) =>
  v === undefined || v instanceof AbortSignal;
const VALID_FUNCTION = (v: unknown) =>
  v === undefined || typeof v === "function";
const VALID_NAME = (v: unknown) => typeof v === "string";
const VALID_OPTIONAL_NAME = (v: unknown) => v === undefined || VALID_NAME(v);

function fixture() {
  const log: string[] = [];
  const { signal, listeners } = countingSignal();
  const bus = new EventBus<Events>();
  bus.subscribe("a", (n) => {
    log.push(`a:${n}`);
  }, { signal });
  bus.subscribe("a", (n) => {
    log.push(`a once:${n}`);
  }, { once: true });
  bus.subscribe("b", { onEvent: (n) => log.push(`b:${n}`) });
  bus.subscribeAll((event) => {
    log.push(`every:${event.name}:${event.payload}`);
  });
  const wait = bus.waitFor("b");
  return { bus, loose: bus as unknown as Loose, log, signal, listeners, wait };
}
type Fixture = ReturnType<typeof fixture>;

const BEFORE = { a: 2, b: 2, all: 5, signal: 1 };

function state(f: Fixture) {
  return {
    a: f.bus.listenerCount("a"),
    b: f.bus.listenerCount("b"),
    all: f.bus.listenerCount(),
    signal: f.listeners(),
  };
}

/** Checks the bus is exactly as `fixture()` left it, then uses it. */
async function assertUntouched(f: Fixture): Promise<void> {
  assert.deepEqual(state(f), BEFORE);
  await f.bus.emit("a", 1);
  await f.bus.emit("a", 2);
  await f.bus.emit("b", 3);
  assert.deepEqual(f.log, [
    "a:1",
    "a once:1",
    "every:a:1",
    "a:2",
    "every:a:2",
    "b:3",
    "every:b:3",
  ]);
  assert.equal(await f.wait, 3);
}

interface Slot {
  /** The call, with the argument under test written as `x`. */
  call: string;
  valid: (value: unknown) => boolean;
  message: string;
  run: (f: Fixture, x: unknown) => unknown;
  /** Returns a promise that must reject instead of throwing. */
  async?: boolean;
}

const fn = () => {};

const SLOTS: Slot[] = [
  {
    call: "subscribe(x, fn)",
    valid: VALID_NAME,
    message: "Cannot subscribe: event name must be a string, got",
    run: (f, x) => f.loose.subscribe(x, fn),
  },
  {
    call: 'subscribe("a", x)',
    valid: VALID_LISTENER,
    message:
      'Cannot subscribe to "a": listener must be a function or an object with an onEvent method, got',
    run: (f, x) => f.loose.subscribe("a", x, { signal: f.signal }),
  },
  {
    call: 'subscribe("a", fn, x)',
    valid: VALID_OPTIONS,
    message: 'Cannot subscribe to "a": options must be an object, got',
    run: (f, x) => f.loose.subscribe("a", fn, x),
  },
  {
    call: 'subscribe("a", fn, { once: x, signal })',
    valid: VALID_ONCE,
    message: 'Cannot subscribe to "a": options.once must be a boolean, got',
    run: (f, x) => f.loose.subscribe("a", fn, { once: x, signal: f.signal }),
  },
  {
    call: 'subscribe("a", fn, { once: true, signal: x })',
    valid: VALID_SIGNAL,
    message:
      'Cannot subscribe to "a": options.signal must be an AbortSignal, got',
    run: (f, x) => f.loose.subscribe("a", fn, { once: true, signal: x }),
  },
  {
    call: "subscribeAll(x)",
    valid: VALID_LISTENER,
    message:
      "Cannot subscribe to every event: listener must be a function or an object with an onEvent method, got",
    run: (f, x) => f.loose.subscribeAll(x, { signal: f.signal }),
  },
  {
    call: "subscribeAll(fn, x)",
    valid: VALID_OPTIONS,
    message: "Cannot subscribe to every event: options must be an object, got",
    run: (f, x) => f.loose.subscribeAll(fn, x),
  },
  {
    call: "subscribeAll(fn, { once: x, signal })",
    valid: VALID_ONCE,
    message:
      "Cannot subscribe to every event: options.once must be a boolean, got",
    run: (f, x) => f.loose.subscribeAll(fn, { once: x, signal: f.signal }),
  },
  {
    call: "subscribeAll(fn, { signal: x })",
    valid: VALID_SIGNAL,
    message:
      "Cannot subscribe to every event: options.signal must be an AbortSignal, got",
    run: (f, x) => f.loose.subscribeAll(fn, { signal: x }),
  },
  {
    call: "emit(x, 1)",
    valid: VALID_NAME,
    message: "Cannot emit: event name must be a string, got",
    run: (f, x) => f.loose.emit(x, 1),
    async: true,
  },
  {
    call: "waitFor(x)",
    valid: VALID_NAME,
    message: "Cannot wait: event name must be a string, got",
    run: (f, x) => f.loose.waitFor(x, { signal: f.signal }),
    async: true,
  },
  {
    call: 'waitFor("a", x)',
    valid: VALID_OPTIONS,
    message: 'Cannot wait for "a": options must be an object, got',
    run: (f, x) => f.loose.waitFor("a", x),
    async: true,
  },
  {
    call: 'waitFor("a", { filter: x, signal })',
    valid: VALID_FUNCTION,
    message: 'Cannot wait for "a": options.filter must be a function, got',
    run: (f, x) => f.loose.waitFor("a", { filter: x, signal: f.signal }),
    async: true,
  },
  {
    call: 'waitFor("a", { signal: x })',
    valid: VALID_SIGNAL,
    message: 'Cannot wait for "a": options.signal must be an AbortSignal, got',
    run: (f, x) => f.loose.waitFor("a", { signal: x }),
    async: true,
  },
  {
    call: "listenerCount(x)",
    valid: VALID_OPTIONAL_NAME,
    message: "Cannot count listeners: event name must be a string, got",
    run: (f, x) => f.loose.listenerCount(x),
  },
  {
    call: "clear(x)",
    valid: VALID_OPTIONAL_NAME,
    message: "Cannot clear: event name must be a string, got",
    run: (f, x) => f.loose.clear(x),
  },
];

Deno.test(
  "EventBus methods reject every wrong argument type with a TypeError naming it, and change nothing",
  noUnhandledRejections(async (t) => {
    for (const slot of SLOTS) {
      for (const { label, value, described } of VALUES) {
        if (slot.valid(value)) continue;
        await t.step(`${slot.call} with x = ${label}`, async () => {
          const f = fixture();
          const expected = {
            name: "TypeError",
            message: `${slot.message} ${described}`,
          };
          const check = (error: unknown) => {
            assert.ok(error instanceof TypeError, String(error));
            assert.equal(error.message, expected.message);
            return true;
          };
          if (slot.async) {
            let result: unknown;
            assert.doesNotThrow(() => {
              result = slot.run(f, value);
            });
            assert.ok(result instanceof Promise);
            await assert.rejects(result, check);
          } else {
            assert.throws(() => slot.run(f, value), check);
          }
          await assertUntouched(f);
        });
      }
    }
  }),
);

Deno.test(
  "new EventBus() rejects every wrong options and onError type with a TypeError naming it",
  noUnhandledRejections(async (t) => {
    const slots: Slot[] = [
      {
        call: "new EventBus(x)",
        valid: VALID_OPTIONS,
        message: "Cannot create EventBus: options must be an object, got",
        run: (_, x) => new Bus(x),
      },
      {
        call: "new EventBus({ onError: x })",
        valid: VALID_FUNCTION,
        message:
          "Cannot create EventBus: options.onError must be a function, got",
        run: (_, x) => new Bus({ onError: x }),
      },
    ];
    for (const slot of slots) {
      for (const { label, value, described } of VALUES) {
        if (slot.valid(value)) continue;
        await t.step(`${slot.call} with x = ${label}`, () => {
          assert.throws(() => slot.run(fixture(), value), (error: unknown) => {
            assert.ok(error instanceof TypeError, String(error));
            assert.equal(error.message, `${slot.message} ${described}`);
            return true;
          });
        });
      }
    }
  }),
);

Deno.test(
  "EventBus methods treat an omitted (undefined) optional argument as documented",
  noUnhandledRejections(async () => {
    assert.ok(new Bus(undefined) instanceof EventBus);
    assert.ok(new Bus({ onError: undefined }) instanceof EventBus);
    const f = fixture();
    assert.equal(f.loose.listenerCount(undefined), 5);
    const off = f.loose.subscribe("a", fn, undefined) as () => void;
    const offOnce = f.loose.subscribe("a", fn, {
      once: undefined,
      signal: undefined,
    }) as () => void;
    const offAll = f.loose.subscribeAll(fn, undefined) as () => void;
    assert.equal(f.bus.listenerCount(), 8);
    off();
    offOnce();
    offAll();
    const wait = f.loose.waitFor("a", { filter: undefined, signal: undefined });
    assert.equal(f.bus.listenerCount("a"), 3);
    await f.bus.emit("a", 9);
    assert.equal(await wait, 9);
    f.log.length = 0;
    f.loose.clear(undefined);
    assert.equal(f.bus.listenerCount(), 0);
    await assert.rejects(f.wait, {
      message: 'Stopped waiting for "b": the bus was cleared',
    });
  }),
);

Deno.test(
  "EventBus.subscribe() with an options getter that throws passes that error on and registers nothing",
  noUnhandledRejections(async () => {
    const boom = new Error("getter");
    for (const key of ["once", "signal"]) {
      const f = fixture();
      const options = Object.defineProperty({ once: true }, key, {
        get() {
          throw boom;
        },
      });
      assert.throws(
        () => f.loose.subscribe("a", fn, options),
        (e) => e === boom,
      );
      await assertUntouched(f);
    }
  }),
);

Deno.test("new EventBus() with a throwing onError: emit rejects with an AggregateError of everything it threw, after offering every error", async (t) => {
  for (const kind of ["sync", "async"] as const) {
    await t.step(
      `${kind} listener failures`,
      noUnhandledRejections(async () => {
        const offered: unknown[] = [];
        const thrown: unknown[] = [new Error("first"), "second", undefined];
        const bus = new EventBus<Events>({
          onError(error, event) {
            assert.deepEqual(event, { name: "a", payload: 1 });
            offered.push(error);
            throw thrown[offered.length - 1];
          },
        });
        const errors = [new Error("x"), new Error("y"), new Error("z")];
        for (const error of errors) {
          bus.subscribe("a", () => {
            if (kind === "sync") throw error;
            return Promise.reject(error);
          });
        }
        let result: Promise<void> | undefined;
        assert.doesNotThrow(() => {
          result = bus.emit("a", 1);
        });
        const error = await result!.then(
          () => assert.fail("resolved"),
          (error: unknown) => error,
        );
        assert.ok(error instanceof AggregateError);
        assert.equal(
          error.message,
          'onError threw while handling 3 errors of "a"',
        );
        assert.deepEqual(error.errors, thrown);
        assert.deepEqual(offered, errors);
        assert.equal(bus.listenerCount(), 3);
      }),
    );
  }
});
