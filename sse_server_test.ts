// Copyright 2026 the arcly authors. MIT license.

// serverSentEvents() behind a real Deno.serve on 127.0.0.1, read by fetch,
// by raw TCP and by Deno's EventSource. The fan-out scenario (`fanOut`) is
// the one Bun and Node run too (sse-tests/).

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import type { Delivery, StandardSchema } from "./mod.ts";
import {
  bridgeEventSource,
  serverSentEvents,
  type ServerSentEventsOptions,
} from "./sse.ts";
import {
  connectSse,
  fanOut,
  type Listen,
  parseBlock,
  until,
} from "./_test_sse.ts";
import { DEEP, deferred } from "./_test_util.ts";

type Events = { tick: number; "order.placed": { id: number }; blob: string };

interface Server {
  url: string;
  requests: Request[];
  close(): Promise<void>;
}

function serve(
  bus: EventBus<Events>,
  options: ServerSentEventsOptions<Events> & { useSignal?: boolean } = {},
  onRequest?: (request: Request, controller: AbortController) => void,
): Server {
  const { useSignal = true, ...sse } = options;
  const requests: Request[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      requests.push(request);
      const controller = new AbortController();
      onRequest?.(request, controller);
      const signal = useSignal
        ? AbortSignal.any([request.signal, controller.signal])
        : controller.signal;
      return serverSentEvents(bus, {
        ...sse,
        signal,
        lastEventId: request.headers.get("last-event-id"),
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/events`,
    requests,
    close: () => server.shutdown(),
  };
}

/** `Listen` on Deno.serve. */
const denoListen: Listen = (handler) => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handler,
  );
  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}/events`,
    close: () => server.shutdown(),
  });
};

// The full size (200 × 2,000, about 2 s) runs with BUS_DEEP=1, in
// `deno task test:sse`; the fast suite runs a smaller one.
const FAN_OUT = DEEP
  ? { clients: 200, events: 2000, leavers: 20 }
  : { clients: 50, events: 400, leavers: 10 };

Deno.test(`Deno.serve: ${FAN_OUT.clients} clients × ${FAN_OUT.events} events, every client gets every event once, in order; ${FAN_OUT.leavers} leave half-way`, async () => {
  const { cleanup, rate } = await fanOut(denoListen, FAN_OUT);
  console.log(
    `  ${
      Math.round(rate)
    } events/s delivered; ${FAN_OUT.leavers} leavers unsubscribed in ${
      cleanup.toFixed(0)
    } ms`,
  );
});

Deno.test("Deno.serve: 20 clients that leave mid-stream are unsubscribed within one heartbeat, the others read on", async (t) => {
  for (const useSignal of [true, false]) {
    await t.step(
      useSignal
        ? "by the request signal"
        : "by the runtime cancelling the body (no signal passed)",
      async () => {
        const heartbeat = 200;
        const bus = new EventBus<Events>();
        const server = serve(bus, { heartbeat, useSignal });
        try {
          const clients = await Promise.all(
            Array.from({ length: 50 }, () => connectSse(server.url)),
          );
          await bus.emit("tick", 1);
          for (const client of clients) await client.reader.events(1);
          await Promise.all(clients.slice(0, 20).map((c) => c.leave()));
          const took = await until(
            () => bus.listenerCount() === 31,
            heartbeat * 2,
            "20 clients to be unsubscribed",
          );
          console.log(`  unsubscribed 20 clients in ${took.toFixed(0)} ms`);
          await bus.emit("tick", 2);
          for (const client of clients.slice(20)) {
            assert.equal((await client.reader.events(1))[0]!.data, "2");
            await client.leave();
          }
          await until(() => bus.listenerCount() === 1, heartbeat * 2, "all");
        } finally {
          await server.close();
        }
      },
    );
  }
});

Deno.test("Deno.serve: a stalled client is closed at bufferSize with a notice it reads when it wakes up", async () => {
  const bus = new EventBus<Events>();
  const server = serve(bus, { bufferSize: 8, events: ["blob"] });
  const port = Number(new URL(server.url).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET /events HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
      ),
    );
    await until(() => bus.listenerCount() === 2, 2_000, "the subscription");
    // The client reads nothing: kernel buffers fill, then the queue.
    const blob = "x".repeat(64 * 1024);
    let sent = 0;
    while (bus.listenerCount() === 2) {
      assert.ok(sent < 2_000, "the stalled client was never closed");
      await bus.emit("blob", blob);
      sent++;
      if (sent % 8 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    // It wakes up: it reads what was sent, then the notice, then the end.
    const text = new TextDecoder().decode(
      await new Response(conn.readable).arrayBuffer(),
    );
    const blocks = text.slice(text.indexOf("\r\n\r\n") + 4).split("\n\n")
      .filter((part) => part.includes("event:")).map(parseBlock);
    const last = blocks.at(-1)!;
    assert.equal(last.event, "@arcly/bus.missed");
    const notice = JSON.parse(last.data!);
    assert.equal(notice.reason, "overflow");
    assert.equal(notice.dropped, 9); // the 8 waiting and the one that overflowed
    assert.equal(blocks.length - 1 + notice.dropped, sent);
    console.log(
      `  closed after ${sent} events of 64 KiB, ${blocks.length - 1} delivered`,
    );
  } finally {
    await server.close();
  }
});

const order: StandardSchema<{ id: number }> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) =>
      typeof (value as { id?: unknown })?.id === "number"
        ? { value: value as { id: number } }
        : { issues: [{ message: "Expected an id" }] },
  },
};

Deno.test("Deno.serve + EventSource: a reconnect with Last-Event-ID gets exactly the missed events, through bridgeEventSource", async () => {
  const bus = new EventBus<Events>();
  const kicks: AbortController[] = [];
  const second = deferred<Request>();
  const server = serve(bus, { retry: 20 }, (request, controller) => {
    kicks.push(controller);
    if (kicks.length === 2) second.resolve(request);
  });
  const page = new EventBus<Events>();
  const got: [number, Delivery][] = [];
  const three = deferred();
  const seven = deferred();
  page.subscribe("order.placed", (order, delivery) => {
    got.push([order.id, delivery]);
    if (order.id === 3) three.resolve();
    if (order.id === 7) seven.resolve();
  });
  const errors: unknown[] = [];
  const opened = deferred();
  const source = new EventSource(server.url);
  source.addEventListener("open", () => opened.resolve(), { once: true });
  const bridge = bridgeEventSource(page, source, {
    schemas: { "order.placed": order },
    onError: (error) => errors.push(error),
  });
  try {
    await opened.promise;
    await until(() => bus.listenerCount() === 2, 2_000, "the subscription");
    for (let id = 1; id <= 3; id++) await bus.emit("order.placed", { id });
    await three.promise;
    kicks[0]!.abort(); // the server ends the stream; the client reconnects
    for (let id = 4; id <= 6; id++) await bus.emit("order.placed", { id });
    const request = await second.promise;
    assert.equal(request.headers.get("last-event-id"), got[2]![1].id);
    await bus.emit("order.placed", { id: 7 });
    await seven.promise;
    assert.deepEqual(got.map(([id]) => id), [1, 2, 3, 4, 5, 6, 7]);
    const seqs = got.map(([, d]) => Number(d.id!.split("-")[1]));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(got.every(([, d]) => d.local === false));
    assert.equal(got[0]![1].origin, new URL(server.url).origin);
    // The reconnect was reported, nothing else.
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ["The event stream was interrupted; the EventSource reconnects"],
    );
  } finally {
    bridge.close();
    source.close();
    kicks.forEach((kick) => kick.abort());
    await server.close();
  }
});
