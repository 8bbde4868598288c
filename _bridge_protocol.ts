// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The bridge protocol's messages (see the notes at the top of bridge.ts):
// random ids, reading and checking a received message, and signing and
// verifying them with Web Crypto (HMAC-SHA-256).

import type { BridgeKey } from "./bridge.ts";
import { describe } from "./_validate.ts";

/** The protocol version, the first item of every message. */
export const VERSION = 2;
// The kinds of message `readMessage` tells apart. A heartbeat and a skip
// carry theirs at index 3, where an event has its id (a string).
/** A heartbeat: `[2, origin, seq, 0]`. */
export const HEARTBEAT = 0;
/** A skip: `[2, origin, seq, 1]`. */
export const SKIP = 1;
/** An event: `[2, origin, seq, id, event, ...]` (not on the wire). */
export const EVENT = 2;
/** The longest origin or id a receiver accepts. */
const MAX_ID = 64;
/** The length of the ids and origins this module makes. */
const ID_LENGTH = 16;

// Random ids: 16 base64url characters (96 random bits) from
// `crypto.getRandomValues`, which every runtime and plain-http pages have,
// drawn from a pool refilled 128 ids at a time. Unpredictable (nobody can
// claim the id of an event before it is published), short on the wire and
// quick to hash in the receiver's recent-id window.
const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// The tables are built by calls marked pure, so a bundler drops this module
// from an app that imports only `EventBus` (no top-level side effects).
const CODES = /* @__PURE__ */ Array.from(ALPHABET, (c) => c.charCodeAt(0));
const pool = /* @__PURE__ */ new Uint8Array(2048);
let used = 2048;
const codes = /* @__PURE__ */ new Array<number>(ID_LENGTH);

/** A random id: 16 base64url characters, 96 random bits. */
export function randomId(): string {
  if (used + ID_LENGTH > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  for (let i = 0; i < ID_LENGTH; i++) codes[i] = CODES[pool[used++]! & 63]!;
  return String.fromCharCode.apply(null, codes);
}

/** 1 for each character code of A-Z, a-z, 0-9, "-" and "_". */
const ID_CHARS = /* @__PURE__ */ idChars();

function idChars(): Uint8Array {
  const table = new Uint8Array(128);
  for (const code of CODES) table[code] = 1;
  return table;
}

/**
 * Whether `value` is 1 to `MAX_ID` characters of A-Z, a-z, 0-9, - and _: a
 * loop over the codes, several times quicker than the same regular
 * expression on every received message.
 */
function isId(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const length = value.length;
  if (length === 0 || length > MAX_ID) return false;
  for (let i = 0; i < length; i++) {
    if (ID_CHARS[value.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

function base64url(bytes: Uint8Array): string {
  let text = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! +
      ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) text += ALPHABET[(n >> 6) & 63]!;
  }
  return text;
}

function fromBase64url(
  text: string,
): Uint8Array<ArrayBuffer> | undefined {
  if (text.length > 100) return undefined;
  const bytes = new Uint8Array(Math.floor(text.length * 3 / 4));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text[i]!);
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[j++] = (value >> bits) & 255;
    }
  }
  return bytes;
}

/**
 * Checks a received message: its kind (`EVENT`, `HEARTBEAT` or `SKIP`), or
 * why it is refused. Once it passes, the items are what `BridgeMessage`
 * says: `[1]` an origin, `[2]` a position, and for an event `[3]` its id,
 * `[4]` its name, `[5]` its payload (unsigned, absent for `undefined`) or its
 * JSON text and `[6]` its signature (signed); for a heartbeat or a skip,
 * `[4]` its signature (signed).
 */
export function readMessage(data: unknown): number | string {
  if (!Array.isArray(data)) {
    if (
      typeof data === "object" && data !== null &&
      (data as { v?: unknown }).v === 1
    ) {
      return `protocol version 1 (an older @arcly/bus) is not supported, expected version ${VERSION}`;
    }
    return `expected a bridge message (an array), got ${describe(data)}`;
  }
  if (data[0] !== VERSION) {
    return `expected protocol version ${VERSION}, got ${describe(data[0])}`;
  }
  const origin: unknown = data[1];
  if (!isId(origin)) {
    return `origin must be 1 to ${MAX_ID} characters of A-Z, a-z, 0-9, - and _, got ${
      describe(origin)
    }`;
  }
  const length = data.length;
  const seq: unknown = data[2];
  const kind: unknown = data[3];
  if (typeof kind === "string") {
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
      return `seq must be a positive safe integer, got ${describe(seq)}`;
    }
    if (!isId(kind)) {
      return `id must be 1 to ${MAX_ID} characters of A-Z, a-z, 0-9, - and _, got ${
        describe(kind)
      }`;
    }
    if (typeof data[4] !== "string") {
      return `event must be a string, got ${describe(data[4])}`;
    }
    if (length === 5 || length === 6) return EVENT;
    if (length !== 7) {
      return `an event has 5 to 7 items, got ${length}`;
    }
    if (typeof data[5] !== "string") {
      return `data must be a string, got ${describe(data[5])}`;
    }
    if (typeof data[6] !== "string") {
      return `sig must be a string, got ${describe(data[6])}`;
    }
    return EVENT;
  }
  if (kind !== HEARTBEAT && kind !== SKIP) {
    return `item 3 must be an id, ${HEARTBEAT} (heartbeat) or ${SKIP} (skip), got ${
      describe(kind)
    }`;
  }
  if (
    typeof seq !== "number" || !Number.isSafeInteger(seq) ||
    seq < (kind === HEARTBEAT ? 0 : 1)
  ) {
    return `seq must be a ${
      kind === HEARTBEAT ? "non-negative" : "positive"
    } safe integer, got ${describe(seq)}`;
  }
  if (length === 4) return kind;
  if (length !== 5) {
    return `a ${
      kind === HEARTBEAT ? "heartbeat" : "skip"
    } has 4 or 5 items, got ${length}`;
  }
  if (typeof data[4] !== "string") {
    return `sig must be a string, got ${describe(data[4])}`;
  }
  return kind;
}

/** Whether a message, read by `readMessage` as `kind`, carries a signature. */
export function isSigned(message: readonly unknown[], kind: number): boolean {
  return message.length === (kind === EVENT ? 7 : 5);
}

const encoder = /* @__PURE__ */ new TextEncoder();

/** What a signature covers: every item of the message before it. */
function signedText(items: readonly unknown[]): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify(items));
}

export function importKeys(keys: readonly BridgeKey[]): Promise<CryptoKey[]> {
  return Promise.all(keys.map((key) => {
    if (
      typeof key === "object" && key !== null && "algorithm" in key &&
      "usages" in key
    ) {
      return key as CryptoKey;
    }
    const bytes = typeof key === "string"
      ? encoder.encode(key)
      : ArrayBuffer.isView(key)
      ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength).slice()
      : new Uint8Array(key as ArrayBuffer).slice();
    return crypto.subtle.importKey(
      "raw",
      bytes,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }));
}

/**
 * The base64url HMAC-SHA-256 signature of `items` (a message without its
 * signature) with `key`.
 */
export async function signatureOf(
  key: CryptoKey,
  items: readonly unknown[],
): Promise<string> {
  return base64url(
    new Uint8Array(await crypto.subtle.sign("HMAC", key, signedText(items))),
  );
}

/**
 * Whether the last item of `message`, a signed message, is the signature
 * of the others with one of `keys`.
 */
export async function verifies(
  keys: readonly CryptoKey[],
  message: readonly unknown[],
): Promise<boolean> {
  const bytes = fromBase64url(message[message.length - 1] as string);
  if (bytes === undefined) return false;
  const text = signedText(message.slice(0, -1));
  for (const key of keys) {
    if (await crypto.subtle.verify("HMAC", key, bytes, text)) return true;
  }
  return false;
}
