// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { serverSentEvents } from "./sse.ts";
import { within } from "./_test_util.ts";

/** One block of an SSE stream, as the tests read it. */
export interface Block {
  /** The `event:` field, if any. */
  event?: string;
  /** The `id:` field, if any. */
  id?: string;
  /** The `data:` lines joined with "\n", if any. */
  data?: string;
  /** The `retry:` field, if any. */
  retry?: string;
  /** How many comment lines it had. */
  comments: number;
}

/** Parses one block (the text between blank lines) of an SSE stream. */
export function parseBlock(text: string): Block {
  const block: Block = { comments: 0 };
  const data: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) {
      block.comments++;
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event" || field === "id" || field === "retry") {
      block[field] = value;
    }
  }
  if (data.length > 0) block.data = data.join("\n");
  return block;
}

/** Reads the blocks of an SSE body, in order, as they arrive. */
export class SseReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  #blocks: Block[] = [];
  /** Whether the stream has ended. */
  done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    // Read on demand, not piped: a pipe would drain the body ahead of the
    // test and hide backpressure.
    this.#reader = body.getReader();
  }

  /** The next block, or `undefined` at the end of the stream. */
  async next(): Promise<Block | undefined> {
    while (this.#blocks.length === 0) {
      if (this.done) return undefined;
      const { value, done } = await within(
        this.#reader.read(),
        "the next chunk of the stream",
      );
      if (done) {
        this.done = true;
        continue;
      }
      this.#buffer += this.#decoder.decode(value, { stream: true });
      const parts = this.#buffer.split("\n\n");
      this.#buffer = parts.pop()!;
      for (const part of parts) this.#blocks.push(parseBlock(part));
    }
    return this.#blocks.shift();
  }

  /** The next `count` blocks that are events (not only comments). */
  async events(count: number): Promise<Block[]> {
    const out: Block[] = [];
    while (out.length < count) {
      const block = await this.next();
      if (block === undefined) {
        throw new Error(`Stream ended after ${out.length} of ${count} events`);
      }
      if (block.event !== undefined || block.data !== undefined) {
        out.push(block);
      }
    }
    return out;
  }

  /** Every block until the end of the stream. */
  async rest(): Promise<Block[]> {
    const out: Block[] = [];
    for (let block = await this.next(); block; block = await this.next()) {
      out.push(block);
    }
    return out;
  }

  /** Cancels the stream, as a client that leaves. */
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/**
 * Resolves once `condition()` holds, checking every `step` ms; rejects
 * after `limit` ms. For conditions no event announces (a runtime noticing
 * a closed connection).
 */
export async function until(
  condition: () => boolean,
  limit: number,
  what: string,
  step = 5,
): Promise<number> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > limit) {
      throw new Error(`Timed out after ${limit} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, step));
  }
  return performance.now() - start;
}

/** Starts a server of a Web handler on 127.0.0.1 (per runtime). */
export type Listen = (
  handler: (request: Request) => Response | Promise<Response>,
) => Promise<{ url: string; close(): Promise<void> }>;

/** A test client of an SSE endpoint, reading with fetch. */
export interface SseClient {
  reader: SseReader;
  /** Closes the connection: cancels the body, then aborts the fetch. */
  leave(): Promise<void>;
}

/** Connects to an SSE endpoint and reads its opening block. */
export async function connectSse(url: string): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.headers.get("content-type") !== "text/event-stream") {
    throw new Error(`Expected an event stream from ${url}`);
  }
  const reader = new SseReader(response.body!);
  await reader.next(); // the opening: the client is subscribed
  return {
    reader,
    // An abort alone leaves Deno's fetch holding the connection.
    leave: async () => {
      await reader.cancel();
      controller.abort();
    },
  };
}

/** What `fanOut` measured. */
export interface FanOutResult {
  /** Milliseconds from the leavers' disconnect to their unsubscription. */
  cleanup: number;
  /** Events delivered per second, over every client. */
  rate: number;
}

/**
 * The server test every runtime runs: `clients` SSE clients of one bus,
 * `events` events; `leavers` of them disconnect half-way. Every client
 * that stays gets every event once and in order, the leavers got the
 * first half, and the bus is back to its replay ring's listener alone.
 */
export async function fanOut(
  listen: Listen,
  { clients, events, leavers, heartbeat = 200 }: {
    clients: number;
    events: number;
    leavers: number;
    heartbeat?: number;
  },
): Promise<FanOutResult> {
  const bus = new EventBus<{ tick: number; other: number }>();
  const server = await listen((request) =>
    serverSentEvents(bus, {
      events: ["tick"],
      signal: request.signal,
      bufferSize: events,
      heartbeat,
    })
  );
  const half = events / 2;
  try {
    const all = await Promise.all(
      Array.from({ length: clients }, () => connectSse(server.url)),
    );
    if (bus.listenerCount() !== clients + 1) {
      throw new Error(`Expected ${clients + 1} listeners`);
    }
    const read = (client: SseClient, count: number) =>
      client.reader.events(count).then((blocks) =>
        blocks.map((block) => Number(block.data))
      );
    const leaving = all.slice(0, leavers).map((client) => read(client, half));
    const staying = all.slice(leavers).map((client) => read(client, events));
    const start = performance.now();
    let cleanup = -1;
    for (let i = 0; i < events; i++) {
      if (i === half) {
        for (const got of await Promise.all(leaving)) {
          assert.deepEqual(got, range(half));
        }
        const left = performance.now();
        await Promise.all(
          all.slice(0, leavers).map((client) => client.leave()),
        );
        await until(
          () => bus.listenerCount() === clients - leavers + 1,
          heartbeat * 2,
          `${leavers} clients to be unsubscribed`,
        );
        cleanup = performance.now() - left;
      }
      await bus.emit("tick", i);
      if (i % 100 === 99) {
        await bus.emit("other", i); // not streamed
        // Let the server write, as a real emitter would between requests.
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    for (const got of await Promise.all(staying)) {
      assert.deepEqual(got, range(events));
    }
    const seconds = (performance.now() - start) / 1000;
    await Promise.all(all.slice(leavers).map((client) => client.leave()));
    await until(() => bus.listenerCount() === 1, heartbeat * 2, "every client");
    return {
      cleanup,
      rate: (leavers * half + (clients - leavers) * events) / seconds,
    };
  } finally {
    await server.close();
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
