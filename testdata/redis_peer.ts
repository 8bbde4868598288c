// Copyright 2026 the arcly authors. MIT license.

// One process of the Redis bridge tests: a bus bridged to Redis through
// ioredis or node-redis, driven by JSON commands on stdin, reporting JSON
// lines on stdout.
//
// deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-sys \
//   testdata/redis_peer.ts <ioredis|node-redis> <port> <name> <channel>

import { Redis } from "npm:ioredis@5.11.1";
import { createClient } from "npm:redis@5.12.1";
import { EventBus } from "../mod.ts";
import { bridgeRedis, type RedisClient } from "../redis.ts";

type Events = {
  tick: { from: string; n: number };
  done: { from: string };
  ack: { from: string };
};

type Command =
  | { cmd: "emit"; from: number; to: number }
  | { cmd: "done" }
  | { cmd: "await"; n: number }
  | { cmd: "report" }
  | { cmd: "quit" };

const [kind, port, me, channel] = Deno.args as [string, string, string, string];

function out(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

let publisher: RedisClient;
let subscriber: RedisClient;
let quit: () => Promise<unknown>;
if (kind === "ioredis") {
  const io = new Redis({ host: "127.0.0.1", port: Number(port) });
  const ioSub = io.duplicate();
  publisher = io;
  subscriber = ioSub;
  quit = () => Promise.all([io.quit(), ioSub.quit()]);
} else {
  const url = `redis://127.0.0.1:${port}`;
  const pub = createClient({ url });
  const sub = pub.duplicate();
  // node-redis throws "error" events nobody listens to; the bridge listens
  // from the moment it starts, this covers connect().
  pub.on("error", () => {});
  sub.on("error", () => {});
  await pub.connect();
  await sub.connect();
  publisher = pub;
  subscriber = sub;
  quit = () => Promise.all([pub.close(), sub.close()]);
}

const bus = new EventBus<Events>();
const fromOther: number[] = [];
let ownTicks = 0;
let otherDone = false;
let waiting: number | undefined;
let errors = 0;

bus.subscribeAll((event) => {
  if (event.payload.from === me) {
    if (event.name === "tick") ownTicks++;
    return;
  }
  switch (event.name) {
    case "tick":
      fromOther.push(event.payload.n);
      if (waiting !== undefined && event.payload.n >= waiting) {
        out({ type: "have", n: event.payload.n });
        waiting = undefined;
      }
      break;
    case "done":
      otherDone = true;
      // Published after every tick of the other side, so when our ack
      // reaches it, it has seen all of ours, and every echo it would get.
      void bus.emit("ack", { from: me });
      break;
    case "ack":
      out({ type: "acked", otherDone });
      break;
  }
});

const bridge = bridgeRedis(bus, { publisher, subscriber }, {
  channel,
  onError(error) {
    errors++;
    out({
      type: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  },
});
await bridge.ready;
out({ type: "ready", origin: bridge.origin });

const decoder = new TextDecoder();
let buffered = "";
for await (const chunk of Deno.stdin.readable) {
  buffered += decoder.decode(chunk, { stream: true });
  let end: number;
  while ((end = buffered.indexOf("\n")) >= 0) {
    const command = JSON.parse(buffered.slice(0, end)) as Command;
    buffered = buffered.slice(end + 1);
    switch (command.cmd) {
      case "emit":
        for (let n = command.from; n <= command.to; n++) {
          bus.emit("tick", { from: me, n }).catch((error) =>
            out({ type: "emit failed", message: String(error) })
          );
        }
        out({ type: "emitted", to: command.to });
        break;
      case "done":
        void bus.emit("done", { from: me });
        break;
      case "await": {
        const last = fromOther.at(-1);
        if (last !== undefined && last >= command.n) {
          out({ type: "have", n: last });
        } else {
          waiting = command.n;
        }
        break;
      }
      case "report":
        out({ type: "report", fromOther, ownTicks, errors });
        break;
      case "quit":
        await bridge.close();
        await quit();
        out({ type: "bye", listeners: bus.listenerCount() });
        Deno.exit(0);
    }
  }
}
