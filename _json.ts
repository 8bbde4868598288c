// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { MAX_QUOTE, quote } from "./_validate.ts";

// Two paths. The fast one checks a payload of plain data with a small
// recursive walk, then lets the native `JSON.stringify` write it: the walk
// costs a fraction of the native encoder's time. Anything the walk is unsure
// of (a `toJSON` other than `Date`'s, a boxed primitive, an object of another
// realm, nesting deeper than `FAST_DEPTH`, something JSON cannot carry) goes
// to the exact path, which writes the text itself with an explicit stack, so
// its depth is bounded by memory only, and names the path of what it refuses.

/** The deepest nesting the fast walk recurses into. */
const FAST_DEPTH = 1_000;

// Read through pure-marked calls, so a bundler can drop this module from an
// app that never bridges (a property read of a global counts as a side
// effect otherwise).
const OBJECT_PROTOTYPE = /* @__PURE__ */ (() => Object.prototype)();
const DATE_TO_JSON = /* @__PURE__ */ (() => Date.prototype.toJSON)();

/** Whether `value`, a non-null object, is plain data the fast path handles. */
function fits(value: object, depth: number): boolean {
  if (depth > FAST_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // JSON writes undefined in an array (or a hole) as null.
      if (item === undefined || !fitsItem(item, depth)) return false;
    }
    return true;
  }
  // An inline-cached read, far cheaper than Object.getPrototypeOf. Whatever
  // it lets through is plain enough: `for in` sees inherited enumerable
  // properties too, so it checks more than JSON.stringify writes, never less.
  if ((value as { constructor?: unknown }).constructor !== Object) {
    return value instanceof Date && value.toJSON === DATE_TO_JSON;
  }
  for (const key in value) {
    const field: unknown = (value as Record<string, unknown>)[key];
    // JSON leaves an undefined property out; it reads as undefined again.
    if (field !== undefined && !fitsItem(field, depth)) return false;
  }
  return true;
}

/** Whether a value inside an object at `depth` is plain data. */
function fitsItem(item: unknown, depth: number): boolean {
  switch (typeof item) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return item - item === 0; // not NaN nor Infinity
    case "object":
      return item === null || fits(item, depth + 1);
    default:
      return false;
  }
}

/** Why a value cannot travel as JSON. */
class Unfit {
  readonly reason: string;
  readonly cause: unknown;
  constructor(reason: string, cause?: unknown) {
    this.reason = reason;
    this.cause = cause;
  }
}

/** An object being written by the exact path. */
interface Frame {
  readonly object: object;
  /** Its keys, or `undefined` for an array. */
  readonly keys: string[] | undefined;
  /** Its key in the enclosing object or array. */
  readonly key: string | number;
  /** What is written so far, with the opening bracket. */
  text: string;
  next: number;
}

/** Left out of an object, as JSON leaves out `undefined`. */
const OMIT: unique symbol = /* @__PURE__ */ Symbol("omit");

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function pathOf(
  name: string,
  stack: readonly Frame[],
  key: string | number | undefined,
): string {
  const keys = stack.slice(1).map((frame) => frame.key);
  if (key !== undefined) keys.push(key);
  let path = name;
  for (const k of keys) {
    path += typeof k === "number"
      ? `[${k}]`
      : IDENTIFIER.test(k) && k.length <= MAX_QUOTE
      ? `.${k}`
      : `[${quote(k)}]`;
  }
  return path;
}

function kindOf(value: object): string {
  let name: unknown;
  try {
    name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  } catch {
    // A hostile getter: the kind stays generic.
  }
  return typeof name === "string" && name !== ""
    ? `a ${name.slice(0, MAX_QUOTE)}`
    : "an object";
}

/**
 * Whether `proto` is `Object.prototype` of some realm (an iframe, a `vm`
 * context): the end of its chain, with `Object` as its constructor.
 */
function isObjectPrototype(proto: object | null): boolean {
  if (proto === null || proto === OBJECT_PROTOTYPE) return true;
  if (Object.getPrototypeOf(proto) !== null) return false;
  const constructor = (proto as { constructor?: unknown }).constructor;
  return typeof constructor === "function" && constructor.name === "Object" &&
    (constructor as { prototype?: unknown }).prototype === proto;
}

const NOT_BOXED: unique symbol = /* @__PURE__ */ Symbol("not boxed");

/**
 * The primitive inside a `Number`, `String`, `Boolean`, `BigInt` or `Symbol`
 * object of any realm, as `JSON.stringify` unwraps it, or `NOT_BOXED`.
 */
function unbox(value: object): unknown {
  for (
    const valueOf of [
      Number.prototype.valueOf,
      String.prototype.valueOf,
      Boolean.prototype.valueOf,
      BigInt.prototype.valueOf,
      Symbol.prototype.valueOf,
    ]
  ) {
    try {
      return (valueOf as (this: object) => unknown).call(value);
    } catch {
      // Not this kind of box.
    }
  }
  return NOT_BOXED;
}

/**
 * What `value` (read from key `key`) becomes in the text: the text of a
 * primitive, `OMIT`, or an object to write field by field. Throws `Unfit`.
 */
function resolve(
  value: unknown,
  key: string,
  inArray: boolean,
): string | object | typeof OMIT {
  if (
    (typeof value === "object" && value !== null) ||
    typeof value === "bigint"
  ) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") value = toJSON.call(value, key);
  }
  if (typeof value === "object" && value !== null) {
    if (
      Array.isArray(value) || isObjectPrototype(Object.getPrototypeOf(value))
    ) {
      return value;
    }
    const inner = unbox(value);
    if (inner !== NOT_BOXED) {
      if (typeof inner === "symbol") {
        throw new Unfit("is a boxed symbol, which JSON cannot carry");
      }
      // JSON writes a boxed primitive as the primitive, through ToNumber and
      // ToString for numbers and strings.
      value = typeof inner === "number"
        ? Number(value)
        : typeof inner === "string"
        ? String(value)
        : inner;
    }
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) {
        throw new Unfit(`is ${value}, which JSON turns into null`);
      }
      return JSON.stringify(value);
    case "undefined":
      if (inArray) {
        throw new Unfit("is undefined, which JSON turns into null");
      }
      return OMIT;
    case "bigint":
      throw new Unfit("is a BigInt, which JSON cannot carry");
    case "symbol":
      throw new Unfit("is a symbol, which JSON cannot carry");
    case "function":
      throw new Unfit("is a function, which JSON cannot carry");
  }
  if (value === null) return "null";
  throw new Unfit(
    `is ${
      kindOf(value as object)
    }, which JSON cannot carry (use a plain object, or give it a toJSON method)`,
  );
}

/** Adds the text of the value at the frame's current key. */
function append(frame: Frame, text: string): void {
  if (frame.text.length > 1) frame.text += ",";
  frame.text += frame.keys === undefined
    ? text
    : `${JSON.stringify(frame.keys[frame.next - 1])}:${text}`;
}

/** The exact path: writes the text with an explicit stack. */
function encodeExactly(root: unknown, name: string): string {
  const stack: Frame[] = [];
  const ancestors = new Set<object>();
  let key: string | number | undefined;
  try {
    let value = resolve(root, "", false);
    if (value === OMIT) {
      throw new Unfit("is undefined, which JSON cannot carry");
    }
    if (typeof value === "string") return value;
    for (;;) {
      if (typeof value === "object") {
        if (ancestors.has(value)) {
          throw new Unfit(
            "refers back to an enclosing object, a cycle JSON cannot carry",
          );
        }
        ancestors.add(value);
        stack.push({
          object: value,
          keys: Array.isArray(value) ? undefined : Object.keys(value),
          key: key ?? "",
          text: Array.isArray(value) ? "[" : "{",
          next: 0,
        });
      }
      const frame = stack[stack.length - 1]!;
      const { object, keys } = frame;
      const length = keys === undefined
        ? (object as unknown[]).length
        : keys.length;
      if (frame.next < length) {
        key = keys === undefined ? frame.next : keys[frame.next]!;
        frame.next++;
        value = resolve(
          (object as Record<string | number, unknown>)[key],
          String(key),
          keys === undefined,
        );
        if (typeof value === "string") append(frame, value);
        continue;
      }
      stack.pop();
      ancestors.delete(object);
      // Concatenation makes ropes, flattened once at the end: no copying
      // per level, however deep.
      const text = frame.text + (keys === undefined ? "]" : "}");
      const parent = stack[stack.length - 1];
      if (parent === undefined) return text;
      append(parent, text);
      value = OMIT;
      key = undefined;
    }
  } catch (error) {
    const path = pathOf(name, stack, key);
    throw error instanceof Unfit
      ? new Unfit(`${path} ${error.reason}`)
      : new Unfit(`reading ${path} threw ${messageOf(error)}`, error);
  }
}

function messageOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? error.message : String(error);
  } catch {
    text = "an error that cannot be shown";
  }
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/**
 * Encodes a value as JSON that decodes to an equal value, or throws a
 * `TypeError` naming the first part of it that JSON would drop or change:
 * functions, symbols, BigInts, cycles, non-finite numbers, `undefined` in an
 * array, and objects that are neither arrays nor plain objects and have no
 * `toJSON` method (a `Map`, a `Set`, a class instance). Like `JSON.stringify`
 * it leaves out `undefined` properties, writes what `toJSON` returns (a
 * `Date` as its ISO string) and boxed primitives (`new Number(1)`) as the
 * primitive. Plain objects of another realm (an iframe, a `vm` context) are
 * plain objects. Nesting is bounded by memory only.
 *
 * @param value The value.
 * @param action The start of the error message, e.g. `Cannot publish "x"`.
 * @param name What to call the value in the message, e.g. `payload`.
 */
export function encodeJson(
  value: unknown,
  action: string | (() => string),
  name: string,
): string {
  if (typeof value === "object" && value !== null) {
    try {
      if (fits(value, 0)) return JSON.stringify(value);
    } catch {
      // A getter threw: the exact path says where.
    }
  }
  return exactly(value, action, name);
}

/**
 * The JSON text of `items`, an array of strings and safe integers whose last
 * item is a value checked and written as `encodeJson` does. Plain data is
 * written by one `JSON.stringify` of the whole array: one flat string, which
 * a socket writes without flattening it first (a concatenation costs a
 * Redis client about 1 µs more per message).
 *
 * @param items The items; the last one is the value.
 * @param action The start of the error message, e.g. `Cannot publish "x"`.
 * @param name What to call the value in the message, e.g. `payload`.
 */
export function encodeJsonItems(
  items: readonly unknown[],
  action: string | (() => string),
  name: string,
): string {
  const last = items.length - 1;
  const value = items[last];
  if (typeof value === "object" && value !== null) {
    try {
      if (fits(value, 0)) return JSON.stringify(items);
    } catch {
      // A getter threw: the exact path says where.
    }
  }
  const head = JSON.stringify(items.slice(0, last));
  const body = exactly(value, action, name);
  return `${head.slice(0, -1)}${last === 0 ? "" : ","}${body}]`;
}

/** The exact path of `encodeJson`. */
function exactly(
  value: unknown,
  action: string | (() => string),
  name: string,
): string {
  try {
    return encodeExactly(value, name);
  } catch (error) {
    const { reason, cause } = error as Unfit;
    throw new TypeError(
      `${typeof action === "string" ? action : action()}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
