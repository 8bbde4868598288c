// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The bridge protocol's messages (see the notes at the top of bridge.ts):
// random ids, reading and checking a received message, and signing and
// verifying them with Web Crypto (HMAC-SHA-256).

import type { BridgeEventMessage, BridgeKey, BridgeMessage } from "./bridge.ts";
import { describe } from "./_validate.ts";

/** The protocol version, `v` on every message. */
export const VERSION = 1;
/** The longest origin or id a receiver accepts. */
const MAX_ID = 64;

// Random ids: 22 base64url characters (132 random bits) from
// `crypto.getRandomValues`, which every runtime and plain-http pages have,
// drawn from a pool refilled 93 ids at a time. Shorter than a UUID on the
// wire and quicker to hash in the receiver's recent-id window.
const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// The tables are built by calls marked pure, so a bundler drops this module
// from an app that imports only `EventBus` (no top-level side effects).
const CODES = /* @__PURE__ */ Array.from(ALPHABET, (c) => c.charCodeAt(0));
const pool = /* @__PURE__ */ new Uint8Array(2048);
let used = 2048;
const codes = /* @__PURE__ */ new Array<number>(22);

/** A random id: 22 base64url characters, 132 random bits. */
export function randomId(): string {
  if (used + 22 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  for (let i = 0; i < 22; i++) codes[i] = CODES[pool[used++]! & 63]!;
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

/** An event message, with its payload or, signed, its JSON text. */
export function eventMessage(
  origin: string,
  seq: number,
  id: string,
  event: string,
  payload: unknown,
  data?: string,
): BridgeEventMessage {
  return data === undefined
    ? { v: VERSION, type: "event", origin, seq, id, event, payload }
    : { v: VERSION, type: "event", origin, seq, id, event, data };
}

/** What `readMessage` takes from a message it accepts. */
export interface Received {
  heartbeat: boolean;
  skip: boolean;
  origin: string;
  seq: number;
  id: string;
  event: string;
  message: Record<string, unknown>;
}

export function readMessage(data: unknown): Received | string {
  if (typeof data !== "object" || data === null) {
    return `expected a bridge message object, got ${describe(data)}`;
  }
  const message = data as Record<string, unknown>;
  if (message.v !== VERSION) {
    return `expected protocol version 1, got ${describe(message.v)}`;
  }
  const { type, origin, seq } = message;
  if (!isId(origin)) {
    return `origin must be 1 to ${MAX_ID} characters of A-Z, a-z, 0-9, - and _, got ${
      describe(origin)
    }`;
  }
  const heartbeat = type === "heartbeat";
  const skip = type === "skip";
  if (
    typeof seq !== "number" || !Number.isSafeInteger(seq) ||
    seq < (heartbeat ? 0 : 1)
  ) {
    return `seq must be a positive safe integer, got ${describe(seq)}`;
  }
  if (heartbeat || skip) {
    return { heartbeat, skip, origin, seq, id: "", event: "", message };
  }
  if (type !== "event") {
    return `type must be "event", "heartbeat" or "skip", got ${describe(type)}`;
  }
  const { id, event } = message;
  if (!isId(id)) {
    return `id must be 1 to ${MAX_ID} characters of A-Z, a-z, 0-9, - and _, got ${
      describe(id)
    }`;
  }
  if (typeof event !== "string") {
    return `event must be a string, got ${describe(event)}`;
  }
  if (message.data !== undefined && typeof message.data !== "string") {
    return `data must be a string, got ${describe(message.data)}`;
  }
  return { heartbeat, skip, origin, seq, id, event, message };
}

const encoder = /* @__PURE__ */ new TextEncoder();

function signedText(
  message: Record<string, unknown>,
): Uint8Array<ArrayBuffer> {
  return encoder.encode(
    JSON.stringify(
      message.type !== "event"
        ? [VERSION, message.type, message.origin, message.seq]
        : [
          VERSION,
          "event",
          message.origin,
          message.seq,
          message.id,
          message.event,
          message.data,
        ],
    ),
  );
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

/** The base64url HMAC-SHA-256 signature of `message` with `key`. */
export async function signatureOf(
  key: CryptoKey,
  message: BridgeMessage,
): Promise<string> {
  const text = signedText(message as unknown as Record<string, unknown>);
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, text)));
}

/** Whether `sig` is the signature of `message` with one of `keys`. */
export async function verifies(
  keys: readonly CryptoKey[],
  message: Record<string, unknown>,
  sig: string,
): Promise<boolean> {
  const bytes = fromBase64url(sig);
  if (bytes === undefined) return false;
  const text = signedText(message);
  for (const key of keys) {
    if (await crypto.subtle.verify("HMAC", key, bytes, text)) return true;
  }
  return false;
}
