// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// Every check of a public argument, and the one builder of their messages:
// `<action>: <what> must be <expected>, got <value>`.

import type { Call } from "./_topic.ts";
import type { OverflowPolicy } from "./types.ts";
import type { BridgeKey } from "./bridge.ts";

/**
 * The action an error message starts with, or a function making it, so hot
 * callers build the text only when something is wrong.
 */
export type Action = string | (() => string);

/** The most characters of a value an error message quotes. */
export const MAX_QUOTE = 200;

/** A string in double quotes, cut after `MAX_QUOTE` characters. */
export function quote(text: string): string {
  return JSON.stringify(text.slice(0, MAX_QUOTE)) +
    (text.length > MAX_QUOTE ? "…" : "");
}

/** Names a value for an error message: its kind and, when short, itself. */
export function describe(value: unknown): string {
  const type = typeof value;
  return type === "string"
    ? `string ${quote(value as string)}`
    : type === "function"
    ? "a function"
    : type === "object" && value !== null
    ? Array.isArray(value) ? "an array" : "an object"
    // null, undefined and symbols say what they are.
    : value == null || type === "symbol"
    ? String(value)
    : `${type} ${String(value)}`;
}

/**
 * The error for a bad argument: `<action>: <what> must be <expected>, got
 * <value>`. A `TypeError` names the value's kind (`describe`); a
 * `RangeError`, whose value has the right type, shows the value itself.
 */
export function invalid(
  action: Action,
  what: string,
  expected: string,
  value: unknown,
  type: typeof TypeError | typeof RangeError = TypeError,
): TypeError | RangeError {
  const text = typeof action === "string" ? action : action();
  const got = type === RangeError && typeof value !== "string"
    ? String(value)
    : describe(value);
  return new type(`${text}: ${what} must be ${expected}, got ${got}`);
}

/** Reads an options argument, which must be an object or `undefined`. */
export function readOptions(
  options: unknown,
  action: Action,
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw invalid(action, "options", "an object", options);
  }
  return options as Record<string, unknown>;
}

/**
 * Reads `options.signal`, which must be an `AbortSignal` or `undefined`: any
 * object that can stand as one (any realm, any polyfill).
 */
export function readSignal(
  options: Record<string, unknown>,
  action: Action,
): AbortSignal | undefined {
  const signal = options.signal as AbortSignal | undefined;
  if (
    signal === undefined || typeof signal === "object" && signal !== null &&
      typeof signal.aborted === "boolean" &&
      typeof signal.addEventListener === "function" &&
      typeof signal.removeEventListener === "function"
  ) return signal;
  throw invalid(action, "options.signal", "an AbortSignal", signal);
}

/**
 * Reads `options[key]`, which must be a function (or, for `readFlag`, of
 * `type`) or `undefined`.
 */
export function readCallback(
  options: Record<string, unknown>,
  key: string,
  action: Action,
  type: "function" | "boolean" = "function",
): unknown {
  const value = options[key];
  if (value === undefined || typeof value === type) return value;
  throw invalid(action, `options.${key}`, `a ${type}`, value);
}

/** Reads `options[key]`, which must be a boolean or `undefined`. */
export function readFlag(
  options: Record<string, unknown>,
  key: string,
  action: Action,
): boolean {
  return readCallback(options, key, action, "boolean") === true;
}

/**
 * Reads `options[key]`, `fallback` when it is `undefined`: a positive
 * integer, or `Infinity` too when `fallback` is `Infinity`. `fallback` must
 * be one of those two: it is always allowed.
 */
export function readCount(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  action: Action,
): number {
  const value = options[key] === undefined ? fallback : options[key];
  const what = `options.${key}`;
  if (typeof value !== "number") {
    throw invalid(action, what, "a number", value);
  }
  // The fallback is valid, and it is the one other value allowed: Infinity.
  if (!(Number.isSafeInteger(value) && value >= 1 || value === fallback)) {
    throw invalid(
      action,
      what,
      `a positive integer${fallback === Infinity ? " or Infinity" : ""}`,
      value,
      RangeError,
    );
  }
  return value;
}

/** Throws unless the event name is a string. */
export function checkName(name: unknown, action: Action): void {
  if (typeof name !== "string") {
    throw invalid(action, "event name", "a string", name);
  }
}

/** The call for a listener; throws unless it is a function or `{ onEvent }`. */
export function readListener(listener: unknown, action: Action): Call {
  if (typeof listener === "function") return listener as Call;
  if (
    typeof listener === "object" && listener !== null &&
    typeof (listener as { onEvent?: unknown }).onEvent === "function"
  ) {
    // Looked up on every call, so `this` is the object and a replaced
    // method is honoured.
    return (payload, delivery) =>
      (listener as { onEvent: Call }).onEvent(payload, delivery);
  }
  throw invalid(
    action,
    "listener",
    "a function or an object with an onEvent method",
    listener,
  );
}

/**
 * Reads a pattern such as `"user.*"` and returns its prefix with the dot,
 * `"user."`.
 *
 * @throws {TypeError} When it is not a string, does not end with `.*`, has
 * nothing before `.*`, or has another `*`.
 */
export function readPattern(pattern: unknown, action: string): string {
  if (typeof pattern !== "string") {
    throw invalid(action, "pattern", "a string", pattern);
  }
  const prefix = pattern.slice(0, -1);
  if (!pattern.endsWith(".*") || prefix.length < 2 || prefix.includes("*")) {
    throw new TypeError(
      `${action} ${
        quote(pattern)
      }: a pattern is a name prefix then ".*", like "user.*"`,
    );
  }
  return prefix;
}

/** The default of `IterateOptions.bufferSize`. */
const DEFAULT_BUFFER_SIZE = 1024;

const POLICIES: readonly string[] = ["drop-oldest", "drop-newest", "error"];

/** Validated iterator options: `bufferSize`, `overflow` and `signal`. */
export type IteratorConfig = readonly [
  bufferSize: number,
  overflow: OverflowPolicy,
  signal: AbortSignal | undefined,
];

/** Reads `IterateOptions`. */
export function readIterateOptions(
  options: unknown,
  action: string,
): IteratorConfig {
  const opts = readOptions(options, action);
  const signal = readSignal(opts, action);
  const bufferSize = readCount(opts, "bufferSize", DEFAULT_BUFFER_SIZE, action);
  const overflow = opts.overflow === undefined ? "error" : opts.overflow;
  if (typeof overflow !== "string" || !POLICIES.includes(overflow)) {
    // A string that names no policy is out of range; anything else is the
    // wrong type.
    throw invalid(
      action,
      "options.overflow",
      '"drop-oldest", "drop-newest" or "error"',
      overflow,
      typeof overflow === "string" ? RangeError : TypeError,
    );
  }
  return [bufferSize, overflow as OverflowPolicy, signal];
}

// The bridges (bridge.ts, broadcast_channel.ts, redis.ts).

/** Throws unless `value` is an object with every one of `methods`. */
export function checkMethods(
  value: unknown,
  methods: readonly string[],
  what: string,
  expected: string,
  action: Action,
): void {
  const object = value as Partial<Record<string, unknown>> | null;
  if (
    typeof object !== "object" || object === null ||
    methods.some((method) => typeof object[method] !== "function")
  ) {
    throw invalid(action, what, expected, value);
  }
}

/** Throws unless `bus` looks like an `EventBus`. */
export function checkBus(bus: unknown, action: string): void {
  checkMethods(
    bus,
    ["emit", "subscribe", "subscribeAll"],
    "bus",
    "an EventBus",
    action,
  );
}

/** Reads `options.events`: an array of event names, or `undefined`. */
export function readEvents(
  options: Record<string, unknown>,
  action: string,
): Set<string> | undefined {
  const events = options.events;
  if (events === undefined) return undefined;
  if (!Array.isArray(events)) {
    throw invalid(action, "options.events", "an array of event names", events);
  }
  for (let i = 0; i < events.length; i++) {
    if (typeof events[i] !== "string") {
      throw invalid(action, `options.events[${i}]`, "a string", events[i]);
    }
  }
  return new Set(events);
}

/**
 * The longest timer `setTimeout` keeps: 2^31 - 1 milliseconds. A literal,
 * so bundles that do not use it can drop it.
 */
const MAX_MS = 2_147_483_647;

/**
 * Reads a duration `options[key]` in milliseconds, from 0 (from 1 with
 * `off`, where `false` turns it off and reads as 0), or `undefined` for
 * `fallback`.
 */
export function readMs(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  action: string,
  off = false,
): number {
  if (off && options[key] === false) return 0;
  const min = off ? 1 : 0;
  return readNumber(
    options,
    key,
    fallback,
    action,
    off ? "a number or false" : "a number",
    (value) => value >= min && value <= MAX_MS,
    `between ${min} and ${MAX_MS} milliseconds`,
  );
}

/** Reads `options[key]`: an integer from `min` to `max`, or `fallback`. */
export function readInteger(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  [min, max]: readonly [number, number],
  action: string,
): number {
  return readNumber(
    options,
    key,
    fallback,
    action,
    "a number",
    (value) => Number.isInteger(value) && value >= min && value <= max,
    `an integer from ${min} to ${max}`,
  );
}

/**
 * Reads a number option: a TypeError unless it is `type`, a RangeError
 * unless it `fits` (`range` says how).
 */
function readNumber(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  action: string,
  type: string,
  fits: (value: number) => boolean,
  range: string,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw invalid(action, `options.${key}`, type, value);
  }
  if (!fits(value)) {
    throw invalid(action, `options.${key}`, range, value, RangeError);
  }
  return value;
}

/**
 * Reads `options.key`: a non-empty string, bytes or a `CryptoKey`, or a
 * non-empty list of them.
 */
export function readKeys(
  options: Record<string, unknown>,
  action: string,
): BridgeKey[] | undefined {
  const key = options.key;
  if (key === undefined) return undefined;
  const list = Array.isArray(key);
  const keys: unknown[] = list ? key : [key];
  if (keys.length === 0) {
    // Not "must be X, got Y": an empty array is described as an array.
    throw new TypeError(`${action}: options.key must not be an empty list`);
  }
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (
      !((typeof k === "string" && k !== "") || k instanceof ArrayBuffer ||
        ArrayBuffer.isView(k) ||
        (typeof CryptoKey === "function" && k instanceof CryptoKey))
    ) {
      throw invalid(
        action,
        list ? `options.key[${i}]` : "options.key",
        "a non-empty string, bytes or a CryptoKey",
        k,
      );
    }
  }
  return keys as BridgeKey[];
}
