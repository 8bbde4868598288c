// Copyright 2026 the arcly authors. MIT license.

// One fault run of the Redis bridge tests: a bus publishes numbered events at
// a steady rate through one bridge, a second bus receives them through
// another, and halfway Redis suffers a fault. A raw listener on the
// receiver's own subscriber connection records what Redis delivered to it,
// so the run can check that the bridge emitted each of those exactly once
// and reported exactly the others as lost.

import { EventBus } from "../mod.ts";
import { type Bridge, LostEventsError } from "../bridge.ts";
import { bridgeRedis } from "../redis.ts";
import { rawClient, type RedisKind, redisPair } from "./redis_clients.ts";
import type { RedisServer } from "./redis_server.ts";

/** What happens to Redis halfway through the run. */
export type Fault =
  | "kill publisher connection"
  | "kill -9 and restart";

/** What one run saw. */
export interface FaultReport {
  /** Events emitted on the publishing bus: 1 to `published`. */
  published: number;
  /** Distinct event numbers Redis delivered to the receiver's connection. */
  delivered: Set<number>;
  /** How many messages of those Redis delivered more than once. */
  duplicates: number;
  /** How many Redis delivered after a higher-numbered one (reordered). */
  late: number;
  /** Event numbers the receiving bus emitted, in order. */
  emitted: number[];
  /** Lost events the receiver reported (sum of `LostEventsError.count`). */
  reported: number;
  /** The positions reported lost, as event numbers. */
  reportedNumbers: Set<number>;
  /** Other errors, as messages. */
  errors: string[];
  /** Milliseconds from the first emit to the last event accounted for. */
  elapsed: number;
}

type Events = { tick: { n: number } };

/**
 * Runs `events` events at `rate` per second from one bus to another over
 * Redis with clients of `kind`, with `fault` at the middle. Resolves once
 * every event is emitted or reported lost, or after `timeout` ms.
 */
export async function faultRun(
  server: RedisServer,
  kind: RedisKind,
  fault: Fault,
  events: number,
  rate: number,
  timeout = 20_000,
): Promise<FaultReport> {
  const channel = `faults-${crypto.randomUUID()}`;
  await using sending = await redisPair(kind, server.port);
  await using receiving = await redisPair(kind, server.port);
  await using admin = rawClient(server.port);
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  const options = { channel, heartbeat: 100, lossTimeout: 500 };
  const errors: string[] = [];
  const report: FaultReport = {
    published: 0,
    delivered: new Set(),
    duplicates: 0,
    late: 0,
    emitted: [],
    reported: 0,
    reportedNumbers: new Set(),
    errors,
    elapsed: 0,
  };
  let wake = () => {};
  let highest = 0;
  const sender: Bridge = bridgeRedis(a, sending, {
    ...options,
    onError: () => {},
  });
  const receiver: Bridge = bridgeRedis(b, receiving, {
    ...options,
    onError(error) {
      if (error instanceof LostEventsError && error.origin === sender.origin) {
        report.reported += error.count;
        for (let seq = error.first; seq <= error.last; seq++) {
          report.reportedNumbers.add(seq);
        }
        wake();
      } else {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    },
  });
  b.subscribe("tick", ({ n }) => {
    report.emitted.push(n);
    wake();
  });
  await receiving.record(channel, (text) => {
    // An event message: [2, origin, seq, id, event, payload].
    const message = JSON.parse(text) as unknown[];
    if (message[1] !== sender.origin || typeof message[3] !== "string") return;
    const n = (message[5] as { n: number }).n;
    if (n < highest) report.late++;
    highest = Math.max(highest, n);
    if (report.delivered.has(n)) report.duplicates++;
    else report.delivered.add(n);
  });
  try {
    await Promise.all([sender.ready, receiver.ready]);
    const publisherId = await sending.publisherId();
    const started = performance.now();
    let faulted: Promise<void> | undefined;
    // Emits on a steady clock: by time t, rate * t events.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(
          events,
          Math.floor((performance.now() - started) * rate / 1000),
        );
        while (report.published < due) {
          const n = ++report.published;
          // Its seq is n: this bridge publishes nothing else.
          void a.emit("tick", { n });
          if (n === Math.floor(events / 2)) {
            faulted = fault === "kill publisher connection"
              ? admin.client("KILL", "ID", String(publisherId)).then(() => {})
              : server.crash().then(() => server.restart());
          }
        }
        if (report.published === events) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await faulted;
    // Every event is emitted or reported lost, or the time is up.
    const deadline = started + timeout;
    while (report.emitted.length + report.reported < events) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    report.elapsed = performance.now() - started;
  } finally {
    await sender.close();
    await receiver.close();
  }
  return report;
}
