// Copyright 2026 the arcly authors. MIT license.
// The listener order, asserted the same way on every path an emit can take.
// Runtime-neutral: Deno.test and node:assert/strict only.

import assert from "node:assert/strict";
import { EventBus, type EventBusOptions } from "./mod.ts";
import { receive } from "./_receive.ts";

type Events = {
  "user.profile.updated": { id: number };
  other: string;
};

interface Path {
  name: string;
  options: EventBusOptions<Events>;
  emit(
    bus: EventBus<Events>,
    name: keyof Events,
    payload: unknown,
  ): Promise<void>;
}

const traced: EventBusOptions<Events> = { onEmit() {} };
const emit: Path["emit"] = (bus, name, payload) =>
  bus.emit(name, payload as never);
const emitSerial: Path["emit"] = (bus, name, payload) =>
  bus.emitSerial(name, payload as never);

const PATHS: Path[] = [
  { name: "emit()", options: {}, emit },
  { name: "emit() with onEmit", options: traced, emit },
  { name: "emitSerial()", options: {}, emit: emitSerial },
  { name: "emitSerial() with onEmit", options: traced, emit: emitSerial },
  {
    name: "a received event (receive())",
    options: {},
    emit: (bus, name, payload) =>
      receive(bus, name, payload, Object.freeze({ local: false })),
  },
];

/**
 * Subscribes, in an order unlike the call order, two listeners of the
 * event, two patterns that match it and two listeners of every event. Each
 * logs what it got and throws an error named after itself.
 */
function subscribeEveryKind(bus: EventBus<Events>, log: string[]): void {
  const listener = (label: string) => (arg: unknown) => {
    const got = arg !== null && typeof arg === "object" && "name" in arg
      ? `${(arg as { name: string }).name} event`
      : "payload";
    log.push(`${label} ${got}`);
    throw new Error(label);
  };
  bus.subscribeAll(listener("every 1"));
  bus.subscribePattern("user.profile.*", listener("pattern 1"));
  bus.subscribe("user.profile.updated", listener("own 1"));
  bus.subscribePattern("user.*", listener("pattern 2"));
  bus.subscribeAll(listener("every 2"));
  bus.subscribe("user.profile.updated", listener("own 2"));
}

const ORDER = [
  "own 1",
  "own 2",
  "pattern 1",
  "pattern 2",
  "every 1",
  "every 2",
];

for (const path of PATHS) {
  Deno.test(`EventBus ${path.name} calls own, then pattern, then every-event listeners, each in subscription order`, async () => {
    const bus = new EventBus<Events>(path.options);
    const log: string[] = [];
    subscribeEveryKind(bus, log);
    await assert.rejects(
      path.emit(bus, "user.profile.updated", { id: 1 }),
      (error: AggregateError) => {
        assert.ok(error instanceof AggregateError);
        // Errors come in listener order too.
        assert.deepEqual(
          error.errors.map((e: Error) => e.message),
          ORDER,
        );
        return true;
      },
    );
    assert.deepEqual(log, [
      "own 1 payload",
      "own 2 payload",
      "pattern 1 user.profile.updated event",
      "pattern 2 user.profile.updated event",
      "every 1 user.profile.updated event",
      "every 2 user.profile.updated event",
    ]);
  });

  // emit() takes a shorter way when the bus has no pattern and no
  // every-event subscription: the same order there.
  Deno.test(`EventBus ${path.name} calls own listeners in subscription order when they are the only kind`, async () => {
    const bus = new EventBus<Events>(path.options);
    const log: string[] = [];
    const labels = ["own 1", "own 2", "own 3"];
    for (const label of labels) {
      bus.subscribe("user.profile.updated", (user) => {
        log.push(`${label} ${user.id}`);
        throw new Error(label);
      });
    }
    await assert.rejects(
      path.emit(bus, "user.profile.updated", { id: 1 }),
      (error: AggregateError) => {
        assert.ok(error instanceof AggregateError);
        assert.deepEqual(error.errors.map((e: Error) => e.message), labels);
        return true;
      },
    );
    assert.deepEqual(log, ["own 1 1", "own 2 1", "own 3 1"]);
  });

  Deno.test(`EventBus ${path.name} calls listeners of every event alone when nothing else matches`, async () => {
    const bus = new EventBus<Events>(path.options);
    const log: string[] = [];
    subscribeEveryKind(bus, log);
    await assert.rejects(path.emit(bus, "other", "x"), AggregateError);
    assert.deepEqual(log, ["every 1 other event", "every 2 other event"]);
  });
}
