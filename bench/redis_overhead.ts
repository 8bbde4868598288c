// Copyright 2026 the arcly authors. MIT license.

// CPU per event of the Redis bridge against the raw clients, both ends in
// this process (redis-server's own CPU is not counted):
//
// - raw one-way: `publisher.publish(channel, JSON.stringify(...))`, and a
//   subscriber that `JSON.parse`s each message;
// - raw two-way: the same, with the publishing side subscribed too (each
//   side of a link both ways by hand gets its own messages back and must
//   parse them to skip them);
// - raw two-way with the bridge's text: the same messages a bridge sends,
//   own ones skipped by their start, so the difference to the bridge is
//   the bridge's work alone, not the protocol's bytes;
// - bridge: `bus.emit(name, payload)` on one bus, bridged to a second bus
//   that a listener counts on.
//
// Each round runs every kind once, in a new random order (so no kind always
// follows another and pays for the garbage it left); the ratios are of the
// medians.
//
//   deno run -A bench/redis_overhead.ts [events per round] [rounds]

import process from "node:process";
import { EventBus } from "../mod.ts";
import { bridgeRedis } from "../redis.ts";
import { RedisServer } from "../testdata/redis_server.ts";
import { KINDS, type RedisKind, redisPair } from "../testdata/redis_clients.ts";

const EVENTS = Number(Deno.args[0] ?? 20_000);
const ROUNDS = Number(Deno.args[1] ?? 5);

const payload = {
  id: "A-1042",
  user: { id: 7, name: "Ada Lovelace", email: "ada@example.com" },
  items: [{ sku: "X-1", qty: 2, price: 9.99 }, {
    sku: "Y-2",
    qty: 1,
    price: 19.5,
  }],
  total: 39.48,
  paid: true,
  note: null,
};

/** CPU microseconds (user + system) of this process while `run` runs. */
async function cpu(run: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const { user, system } = process.cpuUsage(before);
  return user + system;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** How the raw side writes and skips its messages. */
type Mode = "one-way" | "two-way" | "two-way, bridge's text";

/**
 * By hand: one side publishes, the other parses. Two-way, the publishing
 * side is subscribed too and parses its own messages to skip them, as each
 * side of a link both ways by hand must. With the bridge's text, it sends
 * what a bridge sends (the protocol's envelope: version, type, origin, seq,
 * id, event) and skips its own by their start, as the bridge does.
 */
async function raw(kind: RedisKind, port: number, mode: Mode): Promise<number> {
  await using sending = await redisPair(kind, port);
  await using receiving = await redisPair(kind, port);
  const channel = `raw-${crypto.randomUUID()}`;
  const origin = "mZ3k1c0e9aQ2Yy8v";
  const mine = `[2,"${origin}",`;
  let got = 0;
  let done = () => {};
  await receiving.record(channel, (text) => {
    JSON.parse(text);
    if (++got === EVENTS) done();
  });
  if (mode === "two-way") {
    await sending.record(channel, (text) => {
      if (JSON.parse(text).from === "me") return;
    });
  } else if (mode === "two-way, bridge's text") {
    await sending.record(channel, (text) => {
      if (text.startsWith(mine)) return;
    });
  }
  return await cpu(async () => {
    const all = new Promise<void>((resolve) => done = resolve);
    const sent: PromiseLike<unknown>[] = [];
    for (let seq = 1; seq <= EVENTS; seq++) {
      const text = mode === "two-way, bridge's text"
        ? JSON.stringify([
          2,
          origin,
          seq,
          `Xq0Jc7tG3uHnL2mP${seq}`.slice(-16),
          "order",
          payload,
        ])
        : JSON.stringify({ from: "me", payload });
      sent.push(sending.publisher.publish(channel, text));
    }
    await Promise.all(sent);
    await all;
  });
}

async function bridged(kind: RedisKind, port: number): Promise<number> {
  await using sending = await redisPair(kind, port);
  await using receiving = await redisPair(kind, port);
  const channel = `bridge-${crypto.randomUUID()}`;
  const a = new EventBus<{ order: typeof payload }>();
  const b = new EventBus<{ order: typeof payload }>();
  await using bridgeA = bridgeRedis(a, sending, { channel });
  await using bridgeB = bridgeRedis(b, receiving, { channel });
  await Promise.all([bridgeA.ready, bridgeB.ready]);
  let got = 0;
  let done = () => {};
  b.subscribe("order", () => {
    if (++got === EVENTS) done();
  });
  return await cpu(async () => {
    const all = new Promise<void>((resolve) => done = resolve);
    for (let i = 0; i < EVENTS; i++) void a.emit("order", payload);
    await all;
    while (bridgeA.status.pending > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });
}

await using server = await RedisServer.start();
console.log(
  `${EVENTS} events of ${
    JSON.stringify(payload).length
  } B per round, ${ROUNDS} rounds each`,
);
const MODES: Mode[] = ["one-way", "two-way", "two-way, bridge's text"];
for (const kind of KINDS) {
  // Warm up every path once.
  for (const mode of MODES) await raw(kind, server.port, mode);
  await bridged(kind, server.port);
  const raws = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
  const bridges: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order: (Mode | "bridge")[] = [...MODES, "bridge"];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const mode of order) {
      if (mode === "bridge") bridges.push(await bridged(kind, server.port));
      else raws.get(mode)!.push(await raw(kind, server.port, mode));
    }
  }
  const bridge = median(bridges) / EVENTS;
  console.log(
    `${kind}: bridge ${bridge.toFixed(1)} µs CPU per event; ${
      MODES.map((mode) => {
        const each = median(raws.get(mode)!) / EVENTS;
        return `raw ${mode} ${each.toFixed(1)} µs (bridge ${
          (bridge / each).toFixed(2)
        }x)`;
      }).join(", ")
    }`,
  );
}
