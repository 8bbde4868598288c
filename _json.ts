// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/** Why a value cannot travel as JSON, thrown with the path to it. */
class Unfit {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    this.path = path;
    this.reason = reason;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function child(path: string, key: string): string {
  return IDENTIFIER.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

function kindOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
}

function write(
  value: unknown,
  key: string,
  path: string,
  ancestors: Set<object>,
): string {
  if (
    typeof value === "object" && value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) {
        throw new Unfit(path, `is ${value}, which JSON turns into null`);
      }
      return JSON.stringify(value);
    case "undefined":
      throw new Unfit(path, "is undefined, which JSON turns into null");
    case "bigint":
      throw new Unfit(path, "is a BigInt, which JSON cannot carry");
    case "symbol":
      throw new Unfit(path, "is a symbol, which JSON cannot carry");
    case "function":
      throw new Unfit(path, "is a function, which JSON cannot carry");
  }
  if (value === null) return "null";
  const object = value as object;
  if (ancestors.has(object)) {
    throw new Unfit(
      path,
      "refers back to an enclosing object, a cycle JSON cannot carry",
    );
  }
  ancestors.add(object);
  let out: string;
  if (Array.isArray(object)) {
    const items: string[] = [];
    for (let i = 0; i < object.length; i++) {
      items.push(write(object[i], String(i), `${path}[${i}]`, ancestors));
    }
    out = `[${items.join(",")}]`;
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      throw new Unfit(
        path,
        `is ${
          kindOf(object)
        }, which JSON cannot carry (use a plain object, or give it a toJSON method)`,
      );
    }
    const fields: string[] = [];
    for (const name of Object.keys(object)) {
      const field = (object as Record<string, unknown>)[name];
      // JSON leaves out undefined properties; they read as undefined again.
      if (field === undefined) continue;
      fields.push(
        `${JSON.stringify(name)}:${
          write(field, name, child(path, name), ancestors)
        }`,
      );
    }
    out = `{${fields.join(",")}}`;
  }
  ancestors.delete(object);
  return out;
}

/**
 * Encodes a value as JSON that decodes to an equal value, or throws a
 * `TypeError` naming the first part of it that JSON would drop or change:
 * functions, symbols, BigInts, cycles, non-finite numbers, `undefined` in an
 * array, and objects that are neither arrays nor plain objects and have no
 * `toJSON` method (a `Map`, a `Set`, a class instance).
 *
 * @param value The value.
 * @param action The start of the error message, e.g. `Cannot publish "x"`.
 * @param name What to call the value in the message, e.g. `payload`.
 */
export function encodeJson(
  value: unknown,
  action: string,
  name: string,
): string {
  try {
    return write(value, "", name, new Set());
  } catch (error) {
    if (error instanceof Unfit) {
      throw new TypeError(`${action}: ${error.path} ${error.reason}`);
    }
    // A toJSON method or a getter threw.
    throw new TypeError(
      `${action}: reading ${name} threw ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}
