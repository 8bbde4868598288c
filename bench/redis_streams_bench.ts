// Copyright 2026 the arcly authors. MIT license.

/**
 * Redis Streams end to end: events per second from the first append until
 * every entry was handled and acked, with 3 consumers of one group, for
 * `appendRedisStream` + `consumeRedisStream` against a raw loop of the same
 * commands (`XADD`; `XREADGROUP` then one `XACK` per read) written by hand
 * with ioredis. Both sides run in this process against one redis-server
 * (append-only file on, started here on a free loopback port), with the same
 * producer window (64 appends in flight), the same batch (`COUNT` 16 =
 * `concurrency` 16) and a listener that reads the payload. The sides take
 * turns; each figure is the median of the runs. Prints JSON on stdout.
 *
 * Run: `deno run -A bench/redis_streams_bench.ts [events=30000] [runs=7]`
 *
 * @module
 */

import { Redis } from "npm:ioredis@5.11.1";
import { EventBus } from "../mod.ts";
import {
  appendRedisStream,
  consumeRedisStream,
  type RedisStreamConsumer,
} from "../redis_streams.ts";
import { DurableRedis } from "../testdata/streams_server.ts";

const EVENTS = Number(Deno.args[0] ?? 30_000);
const RUNS = Number(Deno.args[1] ?? 7);
const CONSUMERS = 3;
const BATCH = 16;
const WINDOW = 64;

type Events = { "order.placed": { n: number } };

/** Runs `append(n)` for n in [0, EVENTS), WINDOW at a time. */
async function produce(append: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) await append(next++);
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
}

function connections(port: number): Redis[] {
  return Array.from(
    { length: CONSUMERS * 2 + 1 },
    () => new Redis({ host: "127.0.0.1", port }),
  );
}

async function ours(port: number, stream: string): Promise<number> {
  const [producerClient, ...rest] = connections(port);
  const producer = new EventBus<Events>();
  const appender = appendRedisStream(producer, producerClient!, { stream });
  let handled = 0;
  let sum = 0;
  const consumers: RedisStreamConsumer[] = [];
  for (let i = 0; i < CONSUMERS; i++) {
    const bus = new EventBus<Events>();
    bus.subscribe("order.placed", (order) => {
      sum += order.n;
      handled++;
    });
    consumers.push(consumeRedisStream(bus, {
      client: rest[i * 2]!,
      reader: rest[i * 2 + 1]!,
    }, { stream, group: "g", concurrency: BATCH }));
  }
  await Promise.all(consumers.map((c) => c.ready));
  const start = performance.now();
  await produce((n) => producer.emit("order.placed", { n }));
  const acked = () => consumers.reduce((a, c) => a + c.stats.acked, 0);
  while (acked() < EVENTS) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(consumers.map((c) => c.close()));
  appender.close();
  if (handled !== EVENTS || sum !== (EVENTS * (EVENTS - 1)) / 2) {
    throw new Error(`ours handled ${handled}`);
  }
  await Promise.all([producerClient!, ...rest].map((c) => c.quit()));
  return EVENTS / seconds;
}

async function raw(port: number, stream: string): Promise<number> {
  const [producer, ...rest] = connections(port);
  await producer!.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
  let handled = 0;
  let acked = 0;
  let sum = 0;
  let stop = false;
  const loops = [];
  for (let i = 0; i < CONSUMERS; i++) {
    const client = rest[i * 2]!;
    const reader = rest[i * 2 + 1]!;
    loops.push((async () => {
      while (!stop) {
        const reply = await reader.call(
          "XREADGROUP",
          "GROUP",
          "g",
          `c${i}`,
          "COUNT",
          String(BATCH),
          "BLOCK",
          "100",
          "STREAMS",
          stream,
          ">",
        ) as [string, [string, string[]][]][] | null;
        if (reply === null) continue;
        const ids: string[] = [];
        for (const [id, fields] of reply[0]![1]) {
          const order = JSON.parse(fields[fields.indexOf("payload") + 1]!);
          sum += order.n;
          handled++;
          ids.push(id);
        }
        await client.call("XACK", stream, "g", ...ids);
        acked += ids.length;
      }
    })());
  }
  const start = performance.now();
  await produce((n) =>
    producer!.call(
      "XADD",
      stream,
      "*",
      "event",
      "order.placed",
      "payload",
      JSON.stringify({ n }),
    )
  );
  while (acked < EVENTS) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - start) / 1000;
  stop = true;
  await Promise.all(loops);
  if (handled !== EVENTS || sum !== (EVENTS * (EVENTS - 1)) / 2) {
    throw new Error(`raw handled ${handled}`);
  }
  await Promise.all([producer!, ...rest].map((c) => c.quit()));
  return EVENTS / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

await using server = await DurableRedis.start();
const results = { ours: [] as number[], raw: [] as number[] };
const ratios: number[] = [];
// One warm-up run of each side, not counted.
await ours(server.port, "warm-ours");
await raw(server.port, "warm-raw");
for (let run = 0; run < RUNS; run++) {
  const r = await raw(server.port, `raw-${run}`);
  const o = await ours(server.port, `ours-${run}`);
  results.raw.push(r);
  results.ours.push(o);
  ratios.push(o / r);
}
console.log(JSON.stringify(
  {
    events: EVENTS,
    consumers: CONSUMERS,
    batch: BATCH,
    window: WINDOW,
    runs: RUNS,
    eventsPerSecond: {
      ours: Math.round(median(results.ours)),
      raw: Math.round(median(results.raw)),
    },
    ratio: Number(median(ratios).toFixed(2)),
    ratios: ratios.map((r) => Number(r.toFixed(2))),
    runtime: `Deno ${Deno.version.deno}`,
  },
  null,
  2,
));
