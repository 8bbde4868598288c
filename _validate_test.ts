// Copyright 2026 the arcly authors. MIT license.

// Bad input: every public function and every option, called with each wrong
// type and each out-of-range value, fails with the exact error class and
// message (emit, emitSerial and waitFor: a rejected promise, never a
// synchronous throw) and leaves everything as it was: the bus keeps its
// listeners, the signal holds no new abort listener, the transport and the
// clients were never called.

import assert from "node:assert/strict";
import { EventBus, type EventBusOptions } from "./mod.ts";
import { bridge } from "./bridge.ts";
import { bridgeBroadcastChannel } from "./broadcast_channel.ts";
import { bridgeRedis } from "./redis.ts";
import { bridgeEventSource, serverSentEvents } from "./sse.ts";
import { countingSignal, noUnhandledRejections } from "./_test_util.ts";
import { describe, invalid, MAX_QUOTE, quote } from "./_validate.ts";

type Events = { a: number; b: number };

/** The bus with its argument types erased, to pass anything. */
type Loose = {
  subscribe(...args: unknown[]): unknown;
  subscribeAll(...args: unknown[]): unknown;
  subscribePattern(...args: unknown[]): unknown;
  emit(...args: unknown[]): Promise<void>;
  emitSerial(...args: unknown[]): Promise<void>;
  waitFor(...args: unknown[]): Promise<unknown>;
  iterate(...args: unknown[]): unknown;
  iterateAll(...args: unknown[]): unknown;
  listenerCount(...args: unknown[]): number;
  clear(...args: unknown[]): void;
  unsubscribe(...args: unknown[]): number;
  unsubscribeAll(...args: unknown[]): number;
  unsubscribePattern(...args: unknown[]): number;
  onActive(...args: unknown[]): unknown;
};

type AnyFunction = (...args: unknown[]) => unknown;
const Bus = EventBus as unknown as new (...args: unknown[]) => unknown;
const looseBridge = bridge as unknown as AnyFunction;
const looseBroadcast = bridgeBroadcastChannel as unknown as AnyFunction;
const looseRedis = bridgeRedis as unknown as AnyFunction;
const looseSse = serverSentEvents as unknown as AnyFunction;
const looseEventSource = bridgeEventSource as unknown as AnyFunction;

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
  {
    label: "AbortSignal look-alike missing addEventListener",
    value: { aborted: false, removeEventListener() {} },
    described: "an object",
  },
  {
    label: "AbortSignal look-alike whose aborted is not a boolean",
    value: { aborted: 0, addEventListener() {}, removeEventListener() {} },
    described: "an object",
  },
];

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

const NEVER = () => false;
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
// An array of names is valid too; an empty one is tried in playCases.
const VALID_NAMES = (v: unknown) => VALID_NAME(v) || Array.isArray(v);
const VALID_OPTIONAL_NAME = (v: unknown) => v === undefined || VALID_NAME(v);
const VALID_MAX = (v: unknown) => v === undefined || typeof v === "number";
const VALID_BUFFER_SIZE = (v: unknown) =>
  v === undefined || typeof v === "number";
// A string that names no policy is a RangeError, tried in BAD_POLICIES.
const VALID_OVERFLOW = (v: unknown) => v === undefined || typeof v === "string";
// `null` is read as omitted by the Redis channel today (the default
// applies), unlike every other option, where null is a TypeError.
const VALID_CHANNEL = (v: unknown) =>
  v === undefined || v === null || (typeof v === "string" && v !== "");

/** An argument slot of a call, tried with every wrong value of VALUES. */
interface Slot<F> {
  /** The call, with the argument under test written as `x`. */
  call: string;
  valid: (value: unknown) => boolean;
  /** The message, up to the description of the value. */
  message: string;
  run: (f: F, x: unknown) => unknown;
  /** Returns a promise that must reject instead of throwing. */
  async?: boolean;
}

/** One bad call with the error it must fail with. */
interface Case<F> {
  call: string;
  run: (f: F) => unknown;
  error: TypeErrorConstructor | RangeErrorConstructor;
  message: string;
  async?: boolean;
}

/** A subject: what each call gets, and the check that nothing changed. */
interface Subject<F> {
  make: () => F;
  untouched: (f: F) => void | Promise<void>;
}

async function assertFails<F>(
  subject: Subject<F>,
  { run, error: expected, message, async }: Omit<Case<F>, "call">,
): Promise<void> {
  const f = subject.make();
  const check = (error: unknown) => {
    assert.ok(error instanceof expected, String(error));
    assert.equal(error.constructor, expected);
    assert.equal(error.message, message);
    return true;
  };
  if (async) {
    let result: unknown;
    assert.doesNotThrow(() => {
      result = run(f);
    });
    assert.ok(result instanceof Promise);
    await assert.rejects(result, check);
  } else {
    assert.throws(() => run(f), check);
  }
  await subject.untouched(f);
}

/** Tries each slot with every value it does not accept: a TypeError. */
async function playSlots<F>(
  t: Deno.TestContext,
  subject: Subject<F>,
  slots: Slot<F>[],
): Promise<void> {
  for (const slot of slots) {
    for (const { label, value, described } of VALUES) {
      if (slot.valid(value)) continue;
      await t.step(
        `${slot.call} with x = ${label}`,
        () =>
          assertFails(subject, {
            run: (f) => slot.run(f, value),
            error: TypeError,
            message: `${slot.message} ${described}`,
            ...(slot.async ? { async: true } : {}),
          }),
      );
    }
  }
}

async function playCases<F>(
  t: Deno.TestContext,
  subject: Subject<F>,
  cases: Case<F>[],
): Promise<void> {
  for (const c of cases) {
    await t.step(c.call, () => assertFails(subject, c));
  }
}

// The bus.

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

const BUS: Subject<Fixture> = { make: fixture, untouched: assertUntouched };

const fn = () => {};
const LISTENER_MESSAGE =
  "listener must be a function or an object with an onEvent method, got";

/** An option of a function's options object, and what it accepts. */
interface Option {
  key: string;
  valid: (value: unknown) => boolean;
  /** The message after `options.<key>`, up to the value. */
  message: string;
  /** Puts the value under test into the option; shown in the step name. */
  wrap?: { shown: string; value: (x: unknown) => unknown };
  /** What the message names, when not `options.<key>`. */
  path?: string;
}

/**
 * The slots of an options object: the object itself, each option (passed
 * with the fixture's counting signal, so a registration that leaked an abort
 * listener shows), and `signal`.
 */
function optionSlots<F extends { signal: AbortSignal }>(
  call: string,
  action: string,
  run: (f: F, options: unknown) => unknown,
  options: Option[],
  withSignal: Record<string, unknown> = {},
): Slot<F>[] {
  return [
    {
      call: `${call}x)`,
      valid: VALID_OPTIONS,
      message: `${action}: options must be an object, got`,
      run: (f, x) => run(f, x),
    },
    ...options.map(({ key, valid, message, wrap, path }): Slot<F> => ({
      call: `${call}{ ${key}: ${wrap?.shown ?? "x"}, signal })`,
      valid,
      message: `${action}: ${path ?? `options.${key}`} ${message}`,
      run: (f, x) =>
        run(f, { [key]: wrap ? wrap.value(x) : x, signal: f.signal }),
    })),
    {
      call: `${call}{ ${
        Object.keys(withSignal).map((key) => `${key}, `).join("")
      }signal: x })`,
      valid: VALID_SIGNAL,
      message: `${action}: options.signal must be an AbortSignal, got`,
      run: (f, x) => run(f, { ...withSignal, signal: x }),
    },
  ];
}

/** The slots every subscribe method shares: listener and options. */
function subscribeSlots(
  call: string,
  action: string,
  subscribe: (f: Fixture, ...args: unknown[]) => unknown,
): Slot<Fixture>[] {
  return [
    {
      call: `${call}x)`,
      valid: VALID_LISTENER,
      message: `${action}: ${LISTENER_MESSAGE}`,
      run: (f, x) => subscribe(f, x, { signal: f.signal }),
    },
    ...optionSlots<Fixture>(
      `${call}fn, `,
      action,
      (f, options) => subscribe(f, fn, options),
      [
        { key: "once", valid: VALID_ONCE, message: "must be a boolean, got" },
        { key: "local", valid: VALID_ONCE, message: "must be a boolean, got" },
      ],
      // The signal is read on the once path too.
      { once: true },
    ),
  ];
}

const ITERATE_OPTIONS: Option[] = [
  {
    key: "bufferSize",
    valid: VALID_BUFFER_SIZE,
    message: "must be a number, got",
  },
  {
    key: "overflow",
    valid: VALID_OVERFLOW,
    message: 'must be "drop-oldest", "drop-newest" or "error", got',
  },
];

const BUS_SLOTS: Slot<Fixture>[] = [
  {
    call: "subscribe(x, fn)",
    valid: VALID_NAMES,
    message: "Cannot subscribe: event name must be a string, got",
    run: (f, x) => f.loose.subscribe(x, fn, { signal: f.signal }),
  },
  ...subscribeSlots(
    'subscribe("a", ',
    'Cannot subscribe to "a"',
    (f, ...args) => f.loose.subscribe("a", ...args),
  ),
  ...subscribeSlots(
    "subscribeAll(",
    "Cannot subscribe to every event",
    (f, ...args) => f.loose.subscribeAll(...args),
  ),
  {
    call: "subscribePattern(x, fn)",
    valid: VALID_NAME,
    message: "Cannot subscribe to pattern: pattern must be a string, got",
    run: (f, x) => f.loose.subscribePattern(x, fn, { signal: f.signal }),
  },
  ...subscribeSlots(
    'subscribePattern("a.*", ',
    'Cannot subscribe to pattern "a.*"',
    (f, ...args) => f.loose.subscribePattern("a.*", ...args),
  ),
  {
    call: "emit(x, 1)",
    valid: VALID_NAME,
    message: "Cannot emit: event name must be a string, got",
    run: (f, x) => f.loose.emit(x, 1),
    async: true,
  },
  {
    call: "emitSerial(x, 1)",
    valid: VALID_NAME,
    message: "Cannot emit: event name must be a string, got",
    run: (f, x) => f.loose.emitSerial(x, 1),
    async: true,
  },
  {
    call: "waitFor(x)",
    valid: VALID_NAMES,
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
    call: "iterate(x)",
    valid: VALID_NAMES,
    message: "Cannot iterate: event name must be a string, got",
    run: (f, x) => f.loose.iterate(x, { signal: f.signal }),
  },
  ...optionSlots<Fixture>(
    'iterate("a", ',
    'Cannot iterate "a"',
    (f, options) => f.loose.iterate("a", options),
    ITERATE_OPTIONS,
  ),
  ...optionSlots<Fixture>(
    "iterateAll(",
    "Cannot iterate every event",
    (f, options) => f.loose.iterateAll(options),
    ITERATE_OPTIONS,
  ),
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
  // Several names: each must be a string.
  {
    call: 'subscribe(["a", x], fn)',
    valid: VALID_NAME,
    message: "Cannot subscribe: event names must be strings, got",
    run: (f, x) => f.loose.subscribe(["a", x], fn, { signal: f.signal }),
  },
  ...subscribeSlots(
    'subscribe(["a", "b"], ',
    'Cannot subscribe to "a", "b"',
    (f, ...args) => f.loose.subscribe(["a", "b"], ...args),
  ),
  {
    call: 'waitFor(["a", x])',
    valid: VALID_NAME,
    message: "Cannot wait: event names must be strings, got",
    run: (f, x) => f.loose.waitFor(["a", x], { signal: f.signal }),
    async: true,
  },
  {
    call: 'iterate(["a", x])',
    valid: VALID_NAME,
    message: "Cannot iterate: event names must be strings, got",
    run: (f, x) => f.loose.iterate(["a", x], { signal: f.signal }),
  },
  {
    call: "unsubscribe(x, fn)",
    valid: VALID_NAMES,
    message: "Cannot unsubscribe: event name must be a string, got",
    run: (f, x) => f.loose.unsubscribe(x, fn),
  },
  {
    call: 'unsubscribe(["a", x], fn)',
    valid: VALID_NAME,
    message: "Cannot unsubscribe: event names must be strings, got",
    run: (f, x) => f.loose.unsubscribe(["a", x], fn),
  },
  {
    call: 'unsubscribe("a", x)',
    valid: VALID_LISTENER,
    message: `Cannot unsubscribe from "a": ${LISTENER_MESSAGE}`,
    run: (f, x) => f.loose.unsubscribe("a", x),
  },
  {
    call: "unsubscribeAll(x)",
    valid: VALID_LISTENER,
    message: `Cannot unsubscribe from every event: ${LISTENER_MESSAGE}`,
    run: (f, x) => f.loose.unsubscribeAll(x),
  },
  {
    call: "unsubscribePattern(x, fn)",
    valid: VALID_NAME,
    message: "Cannot unsubscribe from pattern: pattern must be a string, got",
    run: (f, x) => f.loose.unsubscribePattern(x, fn),
  },
  {
    call: 'unsubscribePattern("a.*", x)',
    valid: VALID_LISTENER,
    message: `Cannot unsubscribe from pattern "a.*": ${LISTENER_MESSAGE}`,
    run: (f, x) => f.loose.unsubscribePattern("a.*", x),
  },
  {
    call: "onActive(x, fn)",
    valid: VALID_NAME,
    message: "Cannot watch activity: event name must be a string, got",
    run: (f, x) => f.loose.onActive(x, fn, { signal: f.signal }),
  },
  {
    call: 'onActive("a", x)',
    valid: (v) => typeof v === "function",
    message: 'Cannot watch activity of "a": setup must be a function, got',
    run: (f, x) => f.loose.onActive("a", x, { signal: f.signal }),
  },
  ...optionSlots<Fixture>(
    'onActive("a", fn, ',
    'Cannot watch activity of "a"',
    (f, options) => f.loose.onActive("a", fn, options),
    [],
  ),
];

Deno.test(
  "EventBus methods reject every wrong argument type with a TypeError naming it, and change nothing",
  noUnhandledRejections((t) => playSlots(t, BUS, BUS_SLOTS)),
);

const NOT_POSITIVE_INTEGERS = [0, -1, 1.5, NaN, -Infinity, 2 ** 53];
const BAD_PATTERNS = ["a", "a.", ".*", "*", "*.*", "a*.*", "a.*.*", "a.*x"];
const BAD_POLICIES = ["", "drop_oldest", "DROP-OLDEST", "throw"];

function bufferSizeCases(
  call: string,
  action: string,
  iterate: (f: Fixture, options: unknown) => unknown,
): Case<Fixture>[] {
  return [
    ...[...NOT_POSITIVE_INTEGERS, Infinity].map((size) => ({
      call: `${call}{ bufferSize: ${size}, signal })`,
      run: (f: Fixture) => iterate(f, { bufferSize: size, signal: f.signal }),
      error: RangeError,
      message:
        `${action}: options.bufferSize must be a positive integer, got ${size}`,
    })),
    ...BAD_POLICIES.map((overflow) => ({
      call: `${call}{ overflow: ${JSON.stringify(overflow)}, signal })`,
      run: (f: Fixture) => iterate(f, { overflow, signal: f.signal }),
      error: RangeError,
      message:
        `${action}: options.overflow must be "drop-oldest", "drop-newest" or "error", got string ${
          JSON.stringify(overflow)
        }`,
    })),
  ];
}

Deno.test(
  "EventBus methods reject every malformed pattern and out-of-range option with the exact error, and change nothing",
  noUnhandledRejections((t) =>
    playCases(t, BUS, [
      ...BAD_PATTERNS.map((pattern) => ({
        call: `subscribePattern(${JSON.stringify(pattern)}, fn, { signal })`,
        run: (f: Fixture) =>
          f.loose.subscribePattern(pattern, fn, { signal: f.signal }),
        error: TypeError,
        message: `Cannot subscribe to pattern ${
          JSON.stringify(pattern)
        }: a pattern is a name prefix then ".*", like "user.*"`,
      })),
      ...BAD_PATTERNS.map((pattern) => ({
        call: `unsubscribePattern(${JSON.stringify(pattern)}, fn)`,
        run: (f: Fixture) => f.loose.unsubscribePattern(pattern, fn),
        error: TypeError,
        message: `Cannot unsubscribe from pattern ${
          JSON.stringify(pattern)
        }: a pattern is a name prefix then ".*", like "user.*"`,
      })),
      ...([
        ["subscribe([], fn, { signal })", "subscribe", (f: Fixture) =>
          f.loose.subscribe([], fn, { signal: f.signal })],
        ["waitFor([], { signal })", "wait", (f: Fixture) =>
          f.loose.waitFor([], { signal: f.signal })],
        ["iterate([], { signal })", "iterate", (f: Fixture) =>
          f.loose.iterate([], { signal: f.signal })],
        ["unsubscribe([], fn)", "unsubscribe", (f: Fixture) =>
          f.loose.unsubscribe([], fn)],
      ] as const).map(([call, verb, run]) => ({
        call,
        run,
        error: TypeError,
        message:
          `Cannot ${verb}: event names must be a non-empty array, got an array`,
        ...(verb === "wait" ? { async: true } : {}),
      })),
      ...bufferSizeCases(
        'iterate("a", ',
        'Cannot iterate "a"',
        (f, options) =>
          f.loose.iterate("a", options),
      ),
      ...bufferSizeCases(
        "iterateAll(",
        "Cannot iterate every event",
        (f, options) =>
          f.loose.iterateAll(options),
      ),
    ])
  ),
);

const NO_FIXTURE: Subject<undefined> = {
  make: () => undefined,
  untouched: () => {},
};

Deno.test(
  "new EventBus() rejects every wrong option type with a TypeError and every out-of-range maxListeners with a RangeError",
  noUnhandledRejections(async (t) => {
    const action = "Cannot create EventBus";
    const option = (key: string): Slot<undefined> => ({
      call: `new EventBus({ ${key}: x })`,
      valid: key === "maxListeners" ? VALID_MAX : VALID_FUNCTION,
      message: `${action}: options.${key} must be ${
        key === "maxListeners" ? "a number" : "a function"
      }, got`,
      run: (_, x) => new Bus({ [key]: x }),
    });
    await playSlots(t, NO_FIXTURE, [
      {
        call: "new EventBus(x)",
        valid: VALID_OPTIONS,
        message: `${action}: options must be an object, got`,
        run: (_, x) => new Bus(x),
      },
      option("onError"),
      option("onEmit"),
      option("maxListeners"),
      option("onWarning"),
    ]);
    await playCases(
      t,
      NO_FIXTURE,
      NOT_POSITIVE_INTEGERS.map((max) => ({
        call: `new EventBus({ maxListeners: ${max} })`,
        run: () => new Bus({ maxListeners: max }),
        error: RangeError,
        message:
          `${action}: options.maxListeners must be a positive integer or Infinity, got ${max}`,
      })),
    );
  }),
);

Deno.test(
  "EventBus methods treat an omitted (undefined) optional argument as documented",
  noUnhandledRejections(async () => {
    assert.ok(new Bus(undefined) instanceof EventBus);
    const options: Required<EventBusOptions<Events>> = {
      onError: undefined!,
      onEmit: undefined!,
      maxListeners: undefined!,
      onWarning: undefined!,
    };
    assert.ok(new Bus(options) instanceof EventBus);
    assert.ok(new Bus({ maxListeners: Infinity }) instanceof EventBus);
    const f = fixture();
    assert.equal(f.loose.listenerCount(undefined), 5);
    const off = f.loose.subscribe("a", fn, undefined) as () => void;
    const offOnce = f.loose.subscribe("a", fn, {
      once: undefined,
      signal: undefined,
    }) as () => void;
    const offAll = f.loose.subscribeAll(fn, undefined) as () => void;
    const offPattern = f.loose.subscribePattern("a.*", fn, {
      once: undefined,
      signal: undefined,
    }) as () => void;
    assert.equal(f.bus.listenerCount(), 9);
    off();
    offOnce();
    offAll();
    offPattern();
    const it = f.bus.iterate("a", {
      bufferSize: undefined!,
      overflow: undefined!,
      signal: undefined!,
    });
    const all = f.loose.iterateAll(undefined) as AsyncIterator<unknown>;
    assert.equal(f.bus.listenerCount(), 7);
    await it.return!();
    await all.return!();
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

// The bridges.

/**
 * A bus with one listener, and a transport, Redis clients and a
 * BroadcastChannel look-alike that record every call made to them.
 */
function bridgeFixture() {
  const calls: string[] = [];
  const record = (what: string) => (): undefined => {
    calls.push(what);
  };
  const client = (name: string) => ({
    publish: record(`${name}.publish`),
    subscribe: record(`${name}.subscribe`),
    unsubscribe: record(`${name}.unsubscribe`),
    on: record(`${name}.on`),
    off: record(`${name}.off`),
  });
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  bus.subscribe("a", (n) => {
    seen.push(n);
  });
  const { signal, listeners } = countingSignal();
  return {
    bus,
    seen,
    calls,
    signal,
    listeners,
    transport: {
      send: record("send"),
      listen: record("listen"),
      close: record("close"),
    },
    clients: {
      publisher: client("publisher"),
      subscriber: client("subscriber"),
    },
    channel: {
      name: "fake",
      postMessage: record("postMessage"),
      addEventListener: record("addEventListener"),
      removeEventListener: record("removeEventListener"),
      close: record("channel.close"),
    },
    source: {
      readyState: 1,
      addEventListener: record("source.addEventListener"),
      removeEventListener: record("source.removeEventListener"),
      close: record("source.close"),
    },
  };
}
type BridgeFixture = ReturnType<typeof bridgeFixture>;

const BRIDGE: Subject<BridgeFixture> = {
  make: bridgeFixture,
  async untouched(f) {
    assert.equal(f.bus.listenerCount(), 1);
    assert.equal(f.listeners(), 0);
    await f.bus.emit("a", 1);
    assert.deepEqual(f.seen, [1]);
    assert.deepEqual(f.calls, []);
  },
};

const VALID_NUMBER = (v: unknown) => v === undefined || typeof v === "number";
const VALID_KEY = (v: unknown) => typeof v === "string" && v !== "";

/** A wrong item in `options.events`. */
const EVENTS_ITEM: Option = {
  key: "events",
  valid: VALID_NAME,
  message: "must be a string, got",
  wrap: { shown: '["a", x]', value: (x) => ["a", x] },
  path: "options.events[1]",
};

/** The options of every bridge function. */
const BRIDGE_OPTIONS: Option[] = [
  {
    key: "events",
    valid: (v) => v === undefined || Array.isArray(v),
    message: "must be an array of event names, got",
  },
  EVENTS_ITEM,
  {
    key: "key",
    // An array is a list of keys, read further; "" is tried below.
    valid: (v) => v === undefined || Array.isArray(v) || VALID_KEY(v),
    message: "must be a non-empty string, bytes or a CryptoKey, got",
  },
  {
    key: "key",
    valid: VALID_KEY,
    message: "must be a non-empty string, bytes or a CryptoKey, got",
    wrap: { shown: '["k", x]', value: (x) => ["k", x] },
    path: "options.key[1]",
  },
  {
    key: "schemas",
    valid: (v) => v === undefined || isObject(v),
    message: "must be an object, got",
  },
  {
    key: "schemas",
    valid: NEVER,
    message:
      "must be a Standard Schema (an object with ~standard.validate), got",
    wrap: { shown: "{ a: x }", value: (x) => ({ a: x }) },
    path: 'options.schemas["a"]',
  },
  {
    key: "heartbeat",
    valid: (v) => VALID_NUMBER(v) || v === false,
    message: "must be a number or false, got",
  },
  ...["lossTimeout", "closeTimeout", "window"].map((key) => ({
    key,
    valid: VALID_NUMBER,
    message: "must be a number, got",
  })),
  {
    key: "onError",
    valid: VALID_FUNCTION,
    message: "must be a function, got",
  },
];

/**
 * The bad calls of every bridge function that are not wrong types: empty
 * keys and out-of-range numbers.
 */
function bridgeCases(
  name: string,
  action: string,
  connect: (f: BridgeFixture, options: unknown) => unknown,
): Case<BridgeFixture>[] {
  const ms = "between 0 and 2147483647 milliseconds";
  const ranges: [string, number[], string][] = [
    [
      "heartbeat",
      [0, -1, NaN, 2 ** 31],
      "between 1 and 2147483647 milliseconds",
    ],
    ["lossTimeout", [-1, NaN, 2 ** 31, Infinity], ms],
    ["closeTimeout", [-1, NaN, 2 ** 31, Infinity], ms],
    [
      "window",
      [0, 1.5, -1, NaN, 1_000_001, Infinity],
      "an integer from 1 to 1000000",
    ],
  ];
  const cases: Case<BridgeFixture>[] = ranges.flatMap((
    [key, values, expected],
  ) =>
    values.map((value) => ({
      call: `${name}(bus, ..., { ${key}: ${value}, signal })`,
      run: (f: BridgeFixture) => connect(f, { [key]: value, signal: f.signal }),
      error: RangeError,
      message: `${action}: options.${key} must be ${expected}, got ${value}`,
    }))
  );
  const keyMessage =
    'must be a non-empty string, bytes or a CryptoKey, got string ""';
  return [
    ...cases,
    {
      call: `${name}(bus, ..., { key: [], signal })`,
      run: (f) => connect(f, { key: [], signal: f.signal }),
      error: TypeError,
      message: `${action}: options.key must not be an empty list`,
    },
    {
      call: `${name}(bus, ..., { key: "", signal })`,
      run: (f) => connect(f, { key: "", signal: f.signal }),
      error: TypeError,
      message: `${action}: options.key ${keyMessage}`,
    },
    {
      call: `${name}(bus, ..., { key: ["k", ""], signal })`,
      run: (f) => connect(f, { key: ["k", ""], signal: f.signal }),
      error: TypeError,
      message: `${action}: options.key[1] ${keyMessage}`,
    },
  ];
}

/** A bridge function, `(bus, second, options)`, and what it is given. */
interface BridgeFunction {
  name: string;
  action: string;
  connect: AnyFunction;
  /** The name of its second argument, and the valid one the fixture has. */
  second: string;
  valid: (f: BridgeFixture) => unknown;
  /** Which second arguments are read further, and the message of the others. */
  accepts: (value: unknown) => boolean;
  message: string;
  /** Options of its own, besides those of every bridge. */
  options?: Option[];
}

/** The slots of a bridge function: the bus, its second argument, its options. */
function bridgeSlots(fn: BridgeFunction): Slot<BridgeFixture>[] {
  const { name, action, connect, second } = fn;
  return [
    {
      call: `${name}(x, ${second})`,
      valid: NEVER,
      message: `${action}: bus must be an EventBus, got`,
      run: (f, x) => connect(x, fn.valid(f), { signal: f.signal }),
    },
    {
      call: `${name}(bus, x)`,
      valid: fn.accepts,
      message: `${action}: ${fn.message}`,
      run: (f, x) => connect(f.bus, x, { signal: f.signal }),
    },
    ...optionSlots<BridgeFixture>(
      `${name}(bus, ${second}, `,
      action,
      (f, options) => connect(f.bus, fn.valid(f), options),
      [...BRIDGE_OPTIONS, ...fn.options ?? []],
    ),
  ];
}

Deno.test(
  "bridge() rejects every wrong argument and option type with a TypeError and every out-of-range number with a RangeError, naming it, and uses nothing",
  noUnhandledRejections(async (t) => {
    const action = "Cannot bridge the bus";
    await playSlots(
      t,
      BRIDGE,
      bridgeSlots({
        name: "bridge",
        action,
        connect: looseBridge,
        second: "transport",
        valid: (f) => f.transport,
        accepts: NEVER,
        message:
          "transport must be an object with send, listen and close methods, got",
      }),
    );
    const message =
      `${action}: transport must be an object with send, listen and close methods, got an object`;
    await playSlots(t, BRIDGE, [{
      call: "bridge(bus, { ...transport, name: x })",
      valid: VALID_OPTIONAL_NAME,
      message: `${action}: transport.name must be a string, got`,
      run: (f, x) =>
        looseBridge(f.bus, { ...f.transport, name: x }, { signal: f.signal }),
    }]);
    await playCases(t, BRIDGE, [
      ...(["send", "listen", "close"] as const).map((missing) => ({
        call: `bridge(bus, a transport without ${missing})`,
        run: (f: BridgeFixture) =>
          looseBridge(f.bus, { ...f.transport, [missing]: undefined }),
        error: TypeError,
        message,
      })),
      {
        call: 'bridge(null, { ...transport, name: "X" })',
        run: (f) => looseBridge(null, { ...f.transport, name: "X" }),
        error: TypeError,
        message:
          "Cannot bridge the bus to X: bus must be an EventBus, got null",
      },
      ...bridgeCases(
        "bridge",
        action,
        (f, options) => looseBridge(f.bus, f.transport, options),
      ),
      {
        call: 'bridge(bus, { ...transport, name: "X" }, { window: 0 })',
        run: (f) =>
          looseBridge(f.bus, { ...f.transport, name: "X" }, {
            window: 0,
            signal: f.signal,
          }),
        error: RangeError,
        message:
          "Cannot bridge the bus to X: options.window must be an integer from 1 to 1000000, got 0",
      },
    ]);
  }),
);

Deno.test(
  "bridgeBroadcastChannel() rejects every wrong argument and option type with a TypeError and every out-of-range number with a RangeError, naming it, and uses nothing",
  noUnhandledRejections(async (t) => {
    const action = "Cannot bridge the bus to a BroadcastChannel";
    await playSlots(
      t,
      BRIDGE,
      bridgeSlots({
        name: "bridgeBroadcastChannel",
        action,
        connect: looseBroadcast,
        second: "channel",
        valid: (f) => f.channel,
        // A string opens a channel of that name.
        accepts: VALID_NAME,
        message: "channel must be a channel name or a BroadcastChannel, got",
      }),
    );
    await playCases(t, BRIDGE, [
      {
        // The bus is checked first.
        call: "bridgeBroadcastChannel(null, 42)",
        run: () => looseBroadcast(null, 42),
        error: TypeError,
        message: `${action}: bus must be an EventBus, got null`,
      },
      ...bridgeCases(
        "bridgeBroadcastChannel",
        action,
        (f, options) => looseBroadcast(f.bus, f.channel, options),
      ),
    ]);
  }),
);

Deno.test(
  "bridgeRedis() rejects every wrong argument and option type with a TypeError and every out-of-range number with a RangeError, naming it, and calls no client",
  noUnhandledRejections(async (t) => {
    const action = "Cannot bridge the bus to Redis";
    const clientMessage = (name: string) =>
      `${action}: clients.${name} must be a Redis client with publish, subscribe, unsubscribe, on and off methods, got`;
    await playSlots(t, BRIDGE, [
      ...bridgeSlots({
        name: "bridgeRedis",
        action,
        connect: looseRedis,
        second: "clients",
        valid: (f) => f.clients,
        // An object is read further: its publisher is checked next.
        accepts: isObject,
        message:
          "clients must be an object with a publisher and a subscriber, got",
        options: [{
          key: "channel",
          valid: VALID_CHANNEL,
          message: "must be a non-empty string, got",
        }],
      }),
      ...(["publisher", "subscriber"] as const).map((client) => ({
        call: `bridgeRedis(bus, clients with ${client}: x)`,
        valid: NEVER,
        message: clientMessage(client),
        run: (f: BridgeFixture, x: unknown) =>
          looseRedis(f.bus, { ...f.clients, [client]: x }, {
            signal: f.signal,
          }),
      })),
    ]);
    const methods = ["publish", "subscribe", "unsubscribe", "on", "off"];
    await playCases(t, BRIDGE, [
      ...methods.map((missing) => ({
        call: `bridgeRedis(bus, a subscriber without ${missing})`,
        run: (f: BridgeFixture) =>
          looseRedis(f.bus, {
            ...f.clients,
            subscriber: { ...f.clients.subscriber, [missing]: undefined },
          }),
        error: TypeError,
        message: `${clientMessage("subscriber")} an object`,
      })),
      {
        call: "bridgeRedis(bus, the same client twice)",
        run: (f) =>
          looseRedis(f.bus, {
            publisher: f.clients.publisher,
            subscriber: f.clients.publisher,
          }, { signal: f.signal }),
        error: TypeError,
        message:
          `${action}: clients.publisher and clients.subscriber must be two connections (a subscribed connection cannot publish), got the same client twice`,
      },
      {
        call: 'bridgeRedis(bus, clients, { channel: "", signal })',
        run: (f) =>
          looseRedis(f.bus, f.clients, { channel: "", signal: f.signal }),
        error: TypeError,
        message:
          `${action}: options.channel must be a non-empty string, got string ""`,
      },
      {
        // The bus is checked first.
        call: "bridgeRedis(null, null)",
        run: () => looseRedis(null, null),
        error: TypeError,
        message: `${action}: bus must be an EventBus, got null`,
      },
      ...bridgeCases(
        "bridgeRedis",
        action,
        (f, options) => looseRedis(f.bus, f.clients, options),
      ),
    ]);
  }),
);

// Events over HTTP (sse.ts).

const NOT_TO_MS = [-1, 1.5, NaN, Infinity, 2 ** 31];
const NOT_TO_SAFE = [-1, 1.5, NaN, Infinity, 2 ** 53];

Deno.test(
  "serverSentEvents() rejects every wrong argument and option type with a TypeError and every out-of-range value with a RangeError, naming it, and subscribes nothing",
  noUnhandledRejections(async (t) => {
    const action = "Cannot stream events";
    const number = (key: string): Option => ({
      key,
      valid: VALID_NUMBER,
      message: "must be a number, got",
    });
    await playSlots(t, BRIDGE, [
      {
        call: "serverSentEvents(x)",
        valid: NEVER,
        message: `${action}: bus must be an EventBus, got`,
        run: (f, x) => looseSse(x, { signal: f.signal }),
      },
      ...optionSlots<BridgeFixture>(
        "serverSentEvents(bus, ",
        action,
        (f, options) => looseSse(f.bus, options),
        [
          {
            key: "events",
            valid: (v) => v === undefined || Array.isArray(v),
            message: "must be an array of event names and patterns, got",
          },
          EVENTS_ITEM,
          {
            key: "lastEventId",
            valid: (v) => v === undefined || v === null || VALID_NAME(v),
            message: "must be a string or null, got",
          },
          number("heartbeat"),
          number("retry"),
          number("bufferSize"),
          number("replay"),
          {
            key: "overflow",
            valid: VALID_OVERFLOW,
            message: 'must be "close" or "drop-oldest", got',
          },
          {
            key: "serialize",
            valid: VALID_FUNCTION,
            message: "must be a function, got",
          },
          {
            key: "headers",
            valid: (v) => v === undefined || isObject(v),
            message:
              "must be a Headers object, an array of pairs or a record, got",
          },
        ],
      ),
    ]);
    const ranges: [string, number[], string][] = [
      ["heartbeat", [0, ...NOT_TO_MS], "an integer from 1 to 2147483647"],
      ["retry", NOT_TO_MS, "an integer from 0 to 2147483647"],
      [
        "bufferSize",
        [0, ...NOT_TO_SAFE],
        "an integer from 1 to 9007199254740991",
      ],
      ["replay", NOT_TO_SAFE, "an integer from 0 to 9007199254740991"],
    ];
    await playCases(t, BRIDGE, [
      ...ranges.flatMap(([key, values, expected]) =>
        values.map((value) => ({
          call: `serverSentEvents(bus, { ${key}: ${value}, signal })`,
          run: (f: BridgeFixture) =>
            looseSse(f.bus, { [key]: value, signal: f.signal }),
          error: RangeError,
          message:
            `${action}: options.${key} must be ${expected}, got ${value}`,
        }))
      ),
      ...[...BAD_POLICIES, "drop-newest", "error"].map((overflow) => ({
        call: `serverSentEvents(bus, { overflow: ${
          JSON.stringify(overflow)
        }, signal })`,
        run: (f: BridgeFixture) =>
          looseSse(f.bus, { overflow, signal: f.signal }),
        error: RangeError,
        message:
          `${action}: options.overflow must be "close" or "drop-oldest", got string ${
            JSON.stringify(overflow)
          }`,
      })),
      // A name without "*" is an event name; one with "*" must be a pattern.
      ...BAD_PATTERNS.filter((p) => p.includes("*")).map((pattern) => ({
        call: `serverSentEvents(bus, { events: [${
          JSON.stringify(pattern)
        }], signal })`,
        run: (f: BridgeFixture) =>
          looseSse(f.bus, { events: [pattern], signal: f.signal }),
        error: TypeError,
        message: `${action}: options.events ${
          JSON.stringify(pattern)
        }: a pattern is a name prefix then ".*", like "user.*"`,
      })),
    ]);
  }),
);

Deno.test(
  "serverSentEvents() rejects headers that new Headers() rejects with a TypeError naming the option, and subscribes nothing",
  async () => {
    const f = bridgeFixture();
    assert.throws(
      () => looseSse(f.bus, { headers: [["a"]], signal: f.signal }),
      (error: unknown) => {
        assert.equal((error as Error).constructor, TypeError);
        assert.match(
          (error as Error).message,
          /^Cannot stream events: options\.headers are not valid headers: \S/,
        );
        assert.ok((error as Error).cause instanceof TypeError);
        return true;
      },
    );
    await BRIDGE.untouched(f);
  },
);

Deno.test(
  "bridgeEventSource() rejects every wrong argument and option type, and a list naming no event or a pattern, with a TypeError naming it, and uses nothing",
  noUnhandledRejections(async (t) => {
    const action = "Cannot bridge the EventSource";
    const source = (f: BridgeFixture) => f.source;
    await playSlots(t, BRIDGE, [
      {
        call: "bridgeEventSource(x, source)",
        valid: NEVER,
        message: `${action}: bus must be an EventBus, got`,
        run: (f, x) =>
          looseEventSource(x, f.source, { events: ["a"], signal: f.signal }),
      },
      {
        call: "bridgeEventSource(bus, x)",
        // A string is a URL, read further.
        valid: VALID_NAME,
        message: `${action}: source must be a URL or an EventSource, got`,
        run: (f, x) =>
          looseEventSource(f.bus, x, { events: ["a"], signal: f.signal }),
      },
      ...optionSlots<BridgeFixture>(
        "bridgeEventSource(bus, source, ",
        action,
        (f, options) => looseEventSource(f.bus, source(f), options),
        [
          ...BRIDGE_OPTIONS.filter(({ key }) =>
            ["events", "schemas", "onError"].includes(key)
          ),
          {
            key: "withCredentials",
            valid: VALID_ONCE,
            message: "must be a boolean, got",
          },
        ],
      ),
    ]);
    const named =
      "(an EventSource delivers a named event only to listeners of that name)";
    await playCases(t, BRIDGE, [
      ...[undefined, {}, { events: [] }].map((options) => ({
        call: `bridgeEventSource(bus, source, ${
          options === undefined ? "" : JSON.stringify(options)
        })`,
        run: (f: BridgeFixture) =>
          looseEventSource(
            f.bus,
            f.source,
            options === undefined
              ? undefined
              : { ...options, signal: f.signal },
          ),
        error: TypeError,
        message:
          `${action}: options.events must name the events to receive ${named}`,
      })),
      {
        call: 'bridgeEventSource(bus, source, { events: ["a", "a.*"] })',
        run: (f) =>
          looseEventSource(f.bus, f.source, {
            events: ["a", "a.*"],
            signal: f.signal,
          }),
        error: TypeError,
        message:
          `${action}: options.events[1] must be an event name, not a pattern ${named}, got string "a.*"`,
      },
    ]);
  }),
);

Deno.test("invalid() names the action, the argument, what it must be and the value's kind", () => {
  const error = invalid("Cannot subscribe", "listener", "a function", 42);
  assert.ok(error instanceof TypeError);
  assert.equal(
    error.message,
    "Cannot subscribe: listener must be a function, got number 42",
  );
  const lazy = invalid(() => "Cannot emit", "event name", "a string", null);
  assert.equal(
    lazy.message,
    "Cannot emit: event name must be a string, got null",
  );
});

Deno.test("invalid() with RangeError shows the value itself", () => {
  const error = invalid(
    "Cannot iterate",
    "options.bufferSize",
    "positive",
    0,
    RangeError,
  );
  assert.ok(error instanceof RangeError);
  assert.equal(
    error.message,
    "Cannot iterate: options.bufferSize must be positive, got 0",
  );
});

Deno.test("quote() cuts a string after MAX_QUOTE characters", () => {
  assert.equal(MAX_QUOTE, 200);
  assert.equal(quote("a".repeat(200)), `"${"a".repeat(200)}"`);
  assert.equal(quote("a".repeat(10_000)), `"${"a".repeat(200)}"…`);
  assert.equal(
    describe("b".repeat(10_000)),
    `string "${"b".repeat(200)}"…`,
  );
  const error = invalid("Cannot wait", "options", "an object", "c".repeat(500));
  assert.equal(
    error.message,
    `Cannot wait: options must be an object, got string "${"c".repeat(200)}"…`,
  );
});
