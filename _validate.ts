// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * The action an error message starts with, or a function making it, so hot
 * callers build the text only when something is wrong.
 */
export type Action = string | (() => string);

/** The text of an action. */
export function say(action: Action): string {
  return typeof action === "string" ? action : action();
}

/** Names a value for an error message: its kind and, when short, itself. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "function":
      return "a function";
    case "symbol":
      return value.toString();
    case "object":
      return Array.isArray(value) ? "an array" : "an object";
    case "undefined":
      return "undefined";
    default:
      return `${typeof value} ${String(value)}`;
  }
}

/** Whether a value can stand as an `AbortSignal` (any realm, any polyfill). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === "object" && value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function" &&
    typeof (value as AbortSignal).removeEventListener === "function";
}

/** Reads an options argument, which must be an object or `undefined`. */
export function readOptions(
  options: unknown,
  action: Action,
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${say(action)}: options must be an object, got ${describe(options)}`,
    );
  }
  return options as Record<string, unknown>;
}

/** Reads `options.signal`, which must be an `AbortSignal` or `undefined`. */
export function readSignal(
  options: Record<string, unknown>,
  action: Action,
): AbortSignal | undefined {
  const signal = options.signal;
  if (signal === undefined || isAbortSignal(signal)) return signal;
  throw new TypeError(
    `${say(action)}: options.signal must be an AbortSignal, got ${
      describe(signal)
    }`,
  );
}

/** Throws unless the event name is a string. */
export function checkName(name: unknown, action: string): void {
  if (typeof name !== "string") {
    throw new TypeError(
      `${say(action)}: event name must be a string, got ${describe(name)}`,
    );
  }
}
