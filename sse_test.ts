// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import type { Delivery, StandardSchema } from "./mod.ts";
import {
  bridgeEventSource,
  type EventSourceMessage,
  serverSentEvents,
  type ServerSentEventsOptions,
} from "./sse.ts";
import { type Block, SseReader } from "./_test_sse.ts";
import { deferred } from "./_test_util.ts";

type Events = {
  "order.placed": { id: number };
  "order.paid": { id: number };
  "user.created": { name: string };
  tick: number;
};

function open(
  bus: EventBus<Events>,
  options: ServerSentEventsOptions<Events> = {},
): { reader: SseReader; stop: () => void; response: Response } {
  const controller = new AbortController();
  const response = serverSentEvents(bus, {
    signal: controller.signal,
    ...options,
  });
  return {
    reader: new SseReader(response.body!),
    stop: () => controller.abort(),
    response,
  };
}

function seqOf(block: Block): number {
  return Number(block.id!.slice(block.id!.lastIndexOf("-") + 1));
}

Deno.test("serverSentEvents() responds with text/event-stream, no-cache and an opening comment", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop, response } = open(bus, {
    headers: { "access-control-allow-origin": "*" },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(await reader.next(), { comments: 1 });
  stop();
  assert.deepEqual(await reader.rest(), []);
});

Deno.test("serverSentEvents() sends retry first when it is given", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop } = open(bus, { retry: 250 });
  assert.deepEqual(await reader.next(), { comments: 0, retry: "250" });
  stop();
});

Deno.test("serverSentEvents() streams the chosen names and patterns once each, in order", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop } = open(bus, {
    events: ["order.placed", "order.*", "tick"],
  });
  await bus.emit("order.placed", { id: 1 });
  await bus.emit("user.created", { name: "ada" });
  await bus.emit("order.paid", { id: 1 });
  await bus.emit("tick", 3);
  const blocks = await reader.events(3);
  assert.deepEqual(blocks.map((b) => [b.event, b.data]), [
    ["order.placed", '{"id":1}'],
    ["order.paid", '{"id":1}'],
    ["tick", "3"],
  ]);
  // Ids number every event of the bus, streamed or not.
  assert.deepEqual(blocks.map(seqOf), [1, 3, 4]);
  stop();
  assert.deepEqual(await reader.rest(), []);
});

Deno.test("serverSentEvents() selects with a pattern exactly the events a pattern listener of the bus gets", async () => {
  const bus = new EventBus();
  const heard: string[] = [];
  bus.subscribePattern("a.b.*", (event) => {
    heard.push(event.name);
  });
  const controller = new AbortController();
  const response = serverSentEvents(bus, {
    events: ["a.b.*"],
    signal: controller.signal,
  });
  const reader = new SseReader(response.body!);
  for (const name of ["a.b", "a.b.", "a.b.c", "a.b.c.d", "a.bc", "a.b..x"]) {
    await bus.emit(name, 0);
  }
  await bus.emit("x.a.b.c", 0);
  const streamed = await reader.events(heard.length);
  controller.abort();
  assert.deepEqual(await reader.rest(), []);
  assert.deepEqual(streamed.map((block) => block.event), heard);
  assert.deepEqual(heard, ["a.b.c", "a.b.c.d", "a.b..x"]);
});

Deno.test("serverSentEvents() streams every event when events is omitted", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop } = open(bus);
  await bus.emit("user.created", { name: "ada" });
  await bus.emit("tick", 1);
  const blocks = await reader.events(2);
  assert.deepEqual(blocks.map((b) => b.event), ["user.created", "tick"]);
  stop();
});

Deno.test("serverSentEvents() gives every client of a bus the same id for an event", async () => {
  const bus = new EventBus<Events>();
  const a = open(bus);
  await bus.emit("tick", 1);
  const b = open(bus, { events: ["tick"] });
  await bus.emit("tick", 2);
  const fromA = await a.reader.events(2);
  const [fromB] = await b.reader.events(1);
  assert.equal(fromB!.id, fromA[1]!.id);
  assert.equal(seqOf(fromA[1]!), seqOf(fromA[0]!) + 1);
  a.stop();
  b.stop();
});

Deno.test("serverSentEvents() rejects an emit whose payload JSON cannot carry, once, and sends nothing of it", async () => {
  const bus = new EventBus<Events>();
  const a = open(bus);
  const b = open(bus);
  await assert.rejects(
    bus.emit("tick", 10n as unknown as number),
    (error: unknown) => {
      assert.ok(error instanceof AggregateError);
      assert.equal(error.errors.length, 1);
      assert.ok(error.errors[0] instanceof TypeError);
      assert.equal(
        error.errors[0].message,
        'Cannot stream "tick": payload is a BigInt, which JSON cannot carry',
      );
      return true;
    },
  );
  await bus.emit("tick", 2);
  for (const client of [a, b]) {
    const [block] = await client.reader.events(1);
    assert.equal(block!.data, "2");
    client.stop();
  }
});

Deno.test("serverSentEvents() uses serialize, splitting line breaks into data lines", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop } = open(bus, {
    serialize: (payload, name) => `${name}\n${JSON.stringify(payload)}`,
  });
  await bus.emit("tick", 5);
  const [block] = await reader.events(1);
  assert.equal(block!.data, "tick\n5");
  stop();
});

Deno.test("serverSentEvents() rejects the emit with a TypeError naming the event when serialize fails", async (t) => {
  await t.step("it throws", async () => {
    const bus = new EventBus<Events>();
    const { stop } = open(bus, {
      serialize: () => {
        throw new Error("nope");
      },
    });
    await assert.rejects(bus.emit("tick", 1), (error: AggregateError) => {
      assert.ok(error.errors[0] instanceof TypeError);
      assert.equal(
        error.errors[0].message,
        'Cannot stream "tick": serialize threw nope',
      );
      return true;
    });
    stop();
  });
  await t.step("it returns no string", async () => {
    const bus = new EventBus<Events>();
    const { stop } = open(bus, { serialize: () => 1 as unknown as string });
    await assert.rejects(bus.emit("tick", 1), (error: AggregateError) => {
      assert.equal(
        error.errors[0].message,
        'Cannot stream "tick": the result of options.serialize must be a string, got number 1',
      );
      return true;
    });
    stop();
  });
});

Deno.test("serverSentEvents() ends the stream and unsubscribes when the signal aborts", async () => {
  const bus = new EventBus<Events>();
  const base = bus.listenerCount();
  const { reader, stop } = open(bus);
  const ring = 1; // the bus's replay ring records from the first call on
  assert.equal(bus.listenerCount(), base + ring + 1);
  await bus.emit("tick", 1);
  stop();
  assert.equal(bus.listenerCount(), base + ring);
  // What was waiting is still read, then the stream ends.
  const blocks = await reader.rest();
  assert.deepEqual(blocks.map((b) => b.data), [undefined, "1"]);
});

Deno.test("serverSentEvents() subscribes nothing when the signal is already aborted", async () => {
  const bus = new EventBus<Events>();
  const response = serverSentEvents(bus, { signal: AbortSignal.abort() });
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(bus.listenerCount(), 0);
  assert.equal(await response.text(), "");
});

Deno.test("serverSentEvents() unsubscribes when the body is cancelled", async () => {
  const bus = new EventBus<Events>();
  const { reader } = open(bus);
  assert.equal(bus.listenerCount(), 2);
  await reader.cancel();
  assert.equal(bus.listenerCount(), 1);
  await bus.emit("tick", 1); // nothing to send it to, nothing thrown
});

Deno.test("serverSentEvents() sends a heartbeat comment while the client waits", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop } = open(bus, { heartbeat: 10 });
  assert.deepEqual(await reader.next(), { comments: 1 }); // the opening
  assert.deepEqual(await reader.next(), { comments: 1 }); // a heartbeat
  stop();
});

Deno.test("serverSentEvents() closes a client that falls bufferSize behind, telling it what it lost", async () => {
  const bus = new EventBus<Events>();
  const { reader } = open(bus, { bufferSize: 3 });
  for (let i = 1; i <= 3; i++) await bus.emit("tick", i);
  assert.equal(bus.listenerCount(), 2);
  await bus.emit("tick", 4);
  assert.equal(bus.listenerCount(), 1);
  const blocks = await reader.rest();
  assert.deepEqual(blocks, [
    { comments: 1 },
    {
      comments: 0,
      event: "@arcly/bus.missed",
      data: '{"reason":"overflow","dropped":4}',
    },
  ]);
});

Deno.test("serverSentEvents() with overflow drop-oldest keeps the newest events after a notice", async () => {
  const bus = new EventBus<Events>();
  const { reader, stop } = open(bus, {
    bufferSize: 3,
    overflow: "drop-oldest",
  });
  for (let i = 1; i <= 5; i++) await bus.emit("tick", i);
  assert.equal(bus.listenerCount(), 2);
  const blocks = await reader.events(4);
  assert.deepEqual(blocks.map((b) => [b.event, b.data]), [
    ["@arcly/bus.missed", '{"reason":"overflow","dropped":2}'],
    ["tick", "3"],
    ["tick", "4"],
    ["tick", "5"],
  ]);
  await bus.emit("tick", 6);
  assert.equal((await reader.events(1))[0]!.data, "6");
  stop();
});

Deno.test("serverSentEvents() replays exactly the events after lastEventId that the ring holds", async (t) => {
  const bus = new EventBus<Events>();
  // Every call asks for the same ring: 5 events.
  const connect = (options: ServerSentEventsOptions<Events>) =>
    open(bus, { replay: 5, ...options });
  const first = connect({ events: ["tick"] });
  await bus.emit("tick", 1);
  const [seen] = await first.reader.events(1);
  first.stop();
  // Emitted while no client is connected: the ring records them.
  await bus.emit("tick", 2);
  await bus.emit("user.created", { name: "ada" });
  await bus.emit("tick", 3);

  await t.step("the missed events, filtered, then live ones", async () => {
    const again = connect({ events: ["tick"], lastEventId: seen!.id! });
    await bus.emit("tick", 4);
    const blocks = await again.reader.events(3);
    assert.deepEqual(blocks.map((b) => b.data), ["2", "3", "4"]);
    again.stop();
  });

  await t.step("nothing when the id is the latest", async () => {
    const latest = connect({});
    await bus.emit("tick", 5);
    const [last] = await latest.reader.events(1);
    latest.stop();
    const again = connect({ lastEventId: last!.id! });
    await bus.emit("tick", 6);
    assert.deepEqual((await again.reader.events(1)).map((b) => b.data), [
      "6",
    ]);
    again.stop();
  });

  await t.step(
    "a notice, then the whole ring, when the id is too old",
    async () => {
      const again = connect({ events: ["tick"], lastEventId: seen!.id! });
      const blocks = await again.reader.events(4);
      assert.deepEqual(blocks.map((b) => b.event + " " + b.data), [
        '@arcly/bus.missed {"reason":"replay"}',
        "tick 3", // the ring holds the last 5: user.created, ticks 3 to 6
        "tick 4",
        "tick 5",
      ]);
      again.stop();
    },
  );

  await t.step(
    "a notice, then the whole ring, for an id of another ring",
    async () => {
      const again = connect({ events: ["tick"], lastEventId: "other-3" });
      const blocks = await again.reader.events(1);
      assert.equal(blocks[0]!.event, "@arcly/bus.missed");
      again.stop();
    },
  );
});

Deno.test("serverSentEvents() with replay 0 keeps no events: a resume gets a notice", async () => {
  const bus = new EventBus<Events>();
  const first = open(bus, { replay: 0 });
  await bus.emit("tick", 1);
  const [seen] = await first.reader.events(1);
  first.stop();
  const current = open(bus, { replay: 0, lastEventId: seen!.id! });
  await bus.emit("tick", 2);
  assert.deepEqual((await current.reader.events(1)).map((b) => b.data), ["2"]);
  current.stop();
  await bus.emit("tick", 3); // missed, and not kept
  const late = open(bus, { replay: 0, lastEventId: seen!.id! });
  await bus.emit("tick", 4);
  assert.deepEqual((await late.reader.events(2)).map((b) => b.data), [
    '{"reason":"replay"}',
    "4",
  ]);
  late.stop();
});

Deno.test("serverSentEvents() keeps the largest ring asked for and records again after bus.clear()", async () => {
  const bus = new EventBus<Events>();
  open(bus, { replay: 1 }).stop();
  open(bus, { replay: 3 }).stop();
  open(bus, { replay: 2 }).stop();
  for (let i = 1; i <= 4; i++) await bus.emit("tick", i);
  const replayed = open(bus, { lastEventId: "x-1" });
  const blocks = await replayed.reader.events(4);
  assert.deepEqual(blocks.map((b) => b.data).slice(1), ["2", "3", "4"]);
  replayed.stop();

  bus.clear();
  const client = open(bus);
  await bus.emit("tick", 5);
  const [live] = await client.reader.events(1);
  client.stop();
  assert.equal(bus.listenerCount(), 1);
  await bus.emit("tick", 6);
  const again = open(bus, { lastEventId: live!.id! });
  assert.equal((await again.reader.events(1))[0]!.data, "6");
  again.stop();
});

/** An EventSource double: the test dispatches what a server would send. */
class FakeSource {
  readyState = 1;
  closed = false;
  listeners = new Map<string, Set<(event: EventSourceMessage) => void>>();
  addEventListener(type: string, f: (event: EventSourceMessage) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(f);
  }
  removeEventListener(type: string, f: (event: EventSourceMessage) => void) {
    this.listeners.get(type)?.delete(f);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  dispatch(type: string, data = "", lastEventId = "") {
    for (const f of this.listeners.get(type) ?? []) {
      f({ data, lastEventId, origin: "http://127.0.0.1:1" });
    }
  }
  count(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

Deno.test("bridgeEventSource() emits the allowed events as received, with their delivery", async () => {
  const bus = new EventBus<Events>();
  const source = new FakeSource();
  const got: [string, unknown, Delivery][] = [];
  bus.subscribeAll((event, delivery) => {
    got.push([event.name, event.payload, delivery]);
  });
  const errors: unknown[] = [];
  const bridge = bridgeEventSource(bus, source, {
    events: ["order.placed"],
    onError: (error) => errors.push(error),
  });
  assert.equal(bridge.source, source);
  source.dispatch("order.placed", '{"id":1}', "e-1");
  source.dispatch("tick", "1", "e-2");
  await Promise.resolve();
  assert.deepEqual(got, [["order.placed", { id: 1 }, {
    local: false,
    id: "e-1",
    origin: "http://127.0.0.1:1",
  }]]);
  assert.ok(Object.isFrozen(got[0]![2]));
  assert.deepEqual(errors, []);
  bridge.close();
});

Deno.test("bridgeEventSource() reports data that is not JSON and emits nothing", () => {
  const bus = new EventBus<Events>();
  const source = new FakeSource();
  const errors: unknown[] = [];
  bridgeEventSource(bus, source, {
    events: ["tick"],
    onError: (error) => errors.push(error),
  });
  bus.subscribe("tick", () => assert.fail("emitted"));
  source.dispatch("tick", "{", "e-1");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TypeError);
  assert.match(errors[0].message, /^Dropped "tick": its data is not JSON: /);
});

const positive: StandardSchema<number> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) =>
      typeof value === "number" && value > 0
        ? { value: value * 10 }
        : { issues: [{ message: "Expected a positive number" }] },
  },
};

Deno.test("bridgeEventSource() emits what the schema returns and reports what fails it", async () => {
  const bus = new EventBus<Events>();
  const source = new FakeSource();
  const errors: unknown[] = [];
  const got: number[] = [];
  bus.subscribe("tick", (n) => void got.push(n));
  bridgeEventSource(bus, source, {
    schemas: { tick: positive },
    onError: (error) => errors.push(error),
  });
  source.dispatch("tick", "2");
  source.dispatch("tick", "-1");
  await Promise.resolve();
  assert.deepEqual(got, [20]);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TypeError);
  assert.equal(
    errors[0].message,
    'Dropped "tick": payload failed its schema: Expected a positive number',
  );
});

Deno.test("bridgeEventSource() keeps arrival order across an asynchronous schema", async () => {
  const bus = new EventBus<Events>();
  const source = new FakeSource();
  const gate = deferred();
  const slow: StandardSchema<{ id: number }> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: async (value) => {
        await gate.promise;
        return { value: value as { id: number } };
      },
    },
  };
  const order: string[] = [];
  bus.subscribeAll((event) => void order.push(event.name));
  const done = deferred();
  bus.subscribe("tick", () => done.resolve());
  bridgeEventSource(bus, source, {
    events: ["tick"],
    schemas: { "order.placed": slow },
  });
  source.dispatch("order.placed", '{"id":1}');
  source.dispatch("tick", "1");
  await Promise.resolve();
  assert.deepEqual(order, []);
  gate.resolve();
  await done.promise;
  assert.deepEqual(order, ["order.placed", "tick"]);
});

Deno.test("bridgeEventSource() reports missed-event notices, stream errors and listener errors", async () => {
  const bus = new EventBus<Events>();
  const source = new FakeSource();
  const errors: Error[] = [];
  bus.subscribe("tick", () => {
    throw new Error("listener failed");
  });
  bridgeEventSource(bus, source, {
    events: ["tick"],
    onError: (error) => errors.push(error as Error),
  });
  source.dispatch("@arcly/bus.missed", '{"reason":"overflow","dropped":3}');
  source.dispatch("error");
  source.readyState = 2;
  source.dispatch("error");
  source.dispatch("tick", "1");
  const failure = deferred();
  queueMicrotask(() => setTimeout(failure.resolve, 0));
  await failure.promise;
  assert.deepEqual(
    errors.map((e) => e.message),
    [
      'Missed events from the event stream: {"reason":"overflow","dropped":3}',
      "The event stream was interrupted; the EventSource reconnects",
      "The event stream failed and the EventSource gave up",
      "listener failed",
    ].map((m, i) => i === 3 ? errors[3]!.message : m),
  );
  assert.ok(errors[3] instanceof AggregateError);
  assert.equal(errors[3].errors[0].message, "listener failed");
});

Deno.test("bridgeEventSource() close(), dispose and signal remove its listeners and stop emitting", async (t) => {
  for (const how of ["close", "dispose", "signal"] as const) {
    await t.step(how, () => {
      const bus = new EventBus<Events>();
      const source = new FakeSource();
      const controller = new AbortController();
      const bridge = bridgeEventSource(bus, source, {
        events: ["tick"],
        signal: controller.signal,
      });
      assert.equal(source.count(), 3); // tick, the notice, error
      if (how === "close") bridge.close();
      else if (how === "dispose") bridge[Symbol.dispose]();
      else controller.abort();
      assert.equal(bridge.closed, true);
      assert.equal(source.count(), 0);
      assert.equal(source.closed, false); // not the bridge's to close
      bridge.close();
    });
  }
});

/**
 * Runs `fn` with the global `EventSource` replaced by `value`, then puts it
 * back. An own property shadows it, also where it lives on the prototype of
 * the global scope and `delete` leaves it in place (workerd).
 */
function withEventSource(value: unknown, fn: () => void): void {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "EventSource");
  Object.defineProperty(globalThis, "EventSource", {
    value,
    configurable: true,
    writable: true,
  });
  try {
    fn();
  } finally {
    if (saved) Object.defineProperty(globalThis, "EventSource", saved);
    else delete (globalThis as { EventSource?: unknown }).EventSource;
  }
}

Deno.test("bridgeEventSource() makes, owns and closes the EventSource of a URL", async () => {
  const made: FakeSource[] = [];
  const urls: string[] = [];
  class Made extends FakeSource {
    constructor(url: string) {
      super();
      urls.push(url);
      made.push(this);
    }
  }
  withEventSource(Made, () => {
    const bus = new EventBus<Events>();
    const bridge = bridgeEventSource(bus, "http://127.0.0.1:1/events", {
      events: ["tick"],
    });
    assert.deepEqual(urls, ["http://127.0.0.1:1/events"]);
    bridge.close();
    assert.equal(made[0]!.closed, true);
    const never = bridgeEventSource(bus, new URL("http://127.0.0.1:1/x"), {
      events: ["tick"],
      signal: AbortSignal.abort(),
    });
    assert.equal(never.closed, true);
    assert.equal(made.length, 1);
  });
  await Promise.resolve();
});

Deno.test("bridgeEventSource() needs an EventSource object where the runtime has no global one", () => {
  withEventSource(undefined, () => {
    assert.throws(
      () =>
        bridgeEventSource(new EventBus<Events>(), "/events", {
          events: ["tick"],
        }),
      new TypeError(
        'Cannot bridge the EventSource: this runtime has no global EventSource; pass an EventSource-like object instead of string "/events"',
      ),
    );
  });
});
