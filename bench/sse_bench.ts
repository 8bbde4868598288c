// Copyright 2026 the arcly authors. MIT license.

/**
 * Throughput of `serverSentEvents`: events per second delivered to 200 SSE
 * clients, in two settings:
 *
 * - in process: 200 response bodies read directly (the library alone);
 * - over HTTP: Deno.serve on 127.0.0.1 and 200 fetch clients (loopback).
 *
 * Each run emits `EVENTS` events of a small JSON payload, yielding to the
 * event loop every 100 emits (as a server between requests), and stops the
 * clock when every client has read every event.
 *
 *   deno run --allow-net=127.0.0.1 bench/sse_bench.ts [clients] [events] [rounds]
 *
 * @module
 */

import { EventBus } from "../mod.ts";
import { serverSentEvents } from "../sse.ts";

const CLIENTS = Number(Deno.args[0] ?? 200);
const EVENTS = Number(Deno.args[1] ?? 2000);
const ROUNDS = Number(Deno.args[2] ?? 5);

type Events = { "order.placed": { id: number; total: number; sku: string } };

/** Reads a body to the end of `events` events; resolves with nothing. */
async function drain(body: ReadableStream<Uint8Array>, events: number) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let seen = 0;
  let carry = "";
  while (seen < events) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended after ${seen} events`);
    const text = carry + decoder.decode(value, { stream: true });
    let at = text.indexOf("\ndata: ");
    while (at !== -1) {
      seen++;
      at = text.indexOf("\ndata: ", at + 7);
    }
    carry = text.slice(-6);
  }
  await reader.cancel();
}

async function emitAll(bus: EventBus<Events>): Promise<void> {
  for (let i = 0; i < EVENTS; i++) {
    await bus.emit("order.placed", { id: i, total: 42.5, sku: "A-100" });
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0));
  }
}

async function inProcess(): Promise<number> {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const bodies = Array.from({ length: CLIENTS }, () =>
    serverSentEvents(bus, {
      signal: controller.signal,
      bufferSize: EVENTS,
    }).body!);
  const start = performance.now();
  const done = Promise.all(bodies.map((body) => drain(body, EVENTS)));
  await emitAll(bus);
  await done;
  const ms = performance.now() - start;
  controller.abort();
  return ms;
}

async function overHttp(): Promise<[number, number]> {
  const bus = new EventBus<Events>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      serverSentEvents(bus, { signal: request.signal, bufferSize: EVENTS }),
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const responses = await Promise.all(
    Array.from({ length: CLIENTS }, () => fetch(url)),
  );
  const start = performance.now();
  const done = Promise.all(
    responses.map((response) => drain(response.body!, EVENTS)),
  );
  await emitAll(bus);
  await done;
  const ms = performance.now() - start;
  // Clean-up: every client has left (cancelled); wait for the bus to see it.
  const left = performance.now();
  while (bus.listenerCount() > 1) {
    await new Promise((r) => setTimeout(r, 1));
  }
  const cleanup = performance.now() - left;
  await server.shutdown();
  return [ms, cleanup];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const local: number[] = [];
const http: number[] = [];
const cleanups: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  local.push(await inProcess());
  const [ms, cleanup] = await overHttp();
  http.push(ms);
  cleanups.push(cleanup);
}
const delivered = CLIENTS * EVENTS;
const rate = (ms: number) => Math.round(delivered / (ms / 1000));
console.log(
  `${CLIENTS} clients × ${EVENTS} events, median of ${ROUNDS} rounds (${Deno.build.target}, deno ${Deno.version.deno})`,
);
console.log(
  `in process: ${rate(median(local))} events/s delivered (${
    median(local).toFixed(0)
  } ms per run; ${Math.round(EVENTS / (median(local) / 1000))} emits/s)`,
);
console.log(
  `over HTTP:  ${rate(median(http))} events/s delivered (${
    median(http).toFixed(0)
  } ms per run; ${Math.round(EVENTS / (median(http) / 1000))} emits/s)`,
);
console.log(
  `clean-up of ${CLIENTS} clients that left: ${
    median(cleanups).toFixed(0)
  } ms (median)`,
);
