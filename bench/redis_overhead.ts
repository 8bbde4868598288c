// Copyright 2026 the arcly authors. MIT license.

// CPU per event of the Redis bridge against the raw clients, both ends in
// this process (redis-server's own CPU is not counted):
//
// - raw one-way: `publisher.publish(channel, JSON.stringify(...))`, and a
//   subscriber that `JSON.parse`s each message;
// - raw two-way: the same, with the publishing side subscribed too (each
//   side of a link both ways by hand gets its own messages back and must
//   parse them to skip them);
// - bridge: `bus.emit(name, payload)` on one bus, bridged to a second bus
//   that a listener counts on.
//
// Rounds alternate; the ratios are of the medians.
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

/**
 * By hand: one side publishes, the other parses. With `twoWay`, the
 * publishing side is subscribed too and parses its own messages to skip
 * them, as each side of a two-way link by hand must.
 */
async function raw(
  kind: RedisKind,
  port: number,
  twoWay: boolean,
): Promise<number> {
  await using sending = await redisPair(kind, port);
  await using receiving = await redisPair(kind, port);
  const channel = `raw-${crypto.randomUUID()}`;
  let got = 0;
  let done = () => {};
  await receiving.record(channel, (text) => {
    JSON.parse(text);
    if (++got === EVENTS) done();
  });
  if (twoWay) {
    await sending.record(channel, (text) => {
      if (JSON.parse(text).from === "me") return;
    });
  }
  return await cpu(async () => {
    const all = new Promise<void>((resolve) => done = resolve);
    const sent: PromiseLike<unknown>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      sent.push(
        sending.publisher.publish(
          channel,
          JSON.stringify({ from: "me", payload }),
        ),
      );
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
for (const kind of KINDS) {
  // Warm up every path once.
  await raw(kind, server.port, false);
  await raw(kind, server.port, true);
  await bridged(kind, server.port);
  const oneWay: number[] = [];
  const twoWay: number[] = [];
  const bridges: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    oneWay.push(await raw(kind, server.port, false));
    twoWay.push(await raw(kind, server.port, true));
    bridges.push(await bridged(kind, server.port));
  }
  const per = (times: number[]) => median(times) / EVENTS;
  console.log(
    `${kind}: CPU per event: raw one-way ${
      per(oneWay).toFixed(1)
    } µs, raw two-way ${per(twoWay).toFixed(1)} µs, bridge ${
      per(bridges).toFixed(1)
    } µs; bridge / one-way ${
      (per(bridges) / per(oneWay)).toFixed(2)
    }, bridge / two-way ${(per(bridges) / per(twoWay)).toFixed(2)}`,
  );
}
