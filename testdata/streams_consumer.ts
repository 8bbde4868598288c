// Copyright 2026 the arcly authors. MIT license.

// One consumer process of the Redis Streams crash tests: a bus whose
// listener writes each entry it handled to its own log file (one line:
// entry id, attempt, payload n) before it returns, consumed from a group
// through ioredis or node-redis. Prints JSON lines on stdout ("ready",
// "progress", "stats"); SIGTERM closes the consumer and exits.
//
// deno run -A testdata/streams_consumer.ts <ioredis|node-redis> <port> \
//   <stream> <group> <consumer> <log file> <claimAfter ms>

import { Redis } from "npm:ioredis@5.11.1";
import { createClient } from "npm:redis@5.12.1";
import { EventBus } from "../mod.ts";
import {
  consumeRedisStream,
  type RedisStreamClient,
} from "../redis_streams.ts";

const [kind, port, stream, group, consumer, logPath, claimAfter] = Deno
  .args as [string, string, string, string, string, string, string];

function out(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

let client: RedisStreamClient;
let reader: RedisStreamClient;
let quit: () => Promise<unknown>;
if (kind === "ioredis") {
  const io = new Redis({ host: "127.0.0.1", port: Number(port) });
  const ioReader = io.duplicate();
  io.on("error", () => {});
  ioReader.on("error", () => {});
  client = io;
  reader = ioReader;
  quit = () => Promise.all([io.quit(), ioReader.quit()]);
} else {
  const node = await createClient({ url: `redis://127.0.0.1:${port}` })
    .connect();
  const nodeReader = await node.duplicate().connect();
  client = node;
  reader = nodeReader;
  quit = () => Promise.all([node.close(), nodeReader.close()]);
}

const log = await Deno.open(logPath, { append: true, create: true });
const encoder = new TextEncoder();
let handled = 0;
const bus = new EventBus<{ "order.placed": { n: number } }>();
bus.subscribe("order.placed", async (order, delivery) => {
  // Some work that takes a moment, so kills land on deliveries in flight.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
  const line = encoder.encode(
    `${delivery.id} ${delivery.attempt} ${order.n}\n`,
  );
  let written = 0;
  while (written < line.length) {
    written += log.writeSync(line.subarray(written));
  }
  if (++handled % 250 === 0) out({ type: "progress", handled });
});

const errors: string[] = [];
const running = consumeRedisStream(bus, { client, reader }, {
  stream,
  group,
  consumer,
  claimAfter: Number(claimAfter),
  concurrency: 8,
  onError: (error) => errors.push(String(error)),
});
await running.ready;
out({ type: "ready" });

Deno.addSignalListener("SIGTERM", async () => {
  await running.close();
  out({ type: "stats", ...running.stats, errors: errors.slice(0, 5) });
  log.close();
  await quit();
  Deno.exit(0);
});
