// Copyright 2026 the arcly authors. MIT license.

// A Worker of the BroadcastChannel bridge tests: a bus bridged to a channel,
// driven by the main thread with postMessage.

import type { Bridge } from "../bridge.ts";
import { bridgeBroadcastChannel } from "../broadcast_channel.ts";
import { EventBus } from "../mod.ts";
import { drainMicrotasks } from "../_test_util.ts";

type Events = Record<string, { from: string; n: number }>;

/** Emits not awaited, each awaited, or each in a macrotask of its own. */
type BurstMode = "at once" | "awaited" | "spread";

type Command =
  | { cmd: "start"; name: string; channel: string; own: boolean }
  | { cmd: "emit"; event: string; n: number }
  | { cmd: "close" }
  | { cmd: "raw"; message: unknown }
  | { cmd: "burst"; event: string; count: number; mode: BurstMode }
  | { cmd: "count"; event: string; count: number };

const self = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<Command>) => void) | null;
  close(): void;
};

let name = "";
/** Counts of received events by name, and what waits for a count. */
const counts = new Map<string, number>();
const wanted = new Map<string, number>();
let bus: EventBus<Events>;
let bridge: Bridge;
let channel: BroadcastChannel | undefined;
const seen: string[] = [];

self.onmessage = ({ data: command }) => {
  switch (command.cmd) {
    case "start": {
      name = command.name;
      bus = new EventBus<Events>();
      bus.subscribeAll(({ name: event, payload }) => {
        if (event.startsWith("burst")) {
          const count = (counts.get(event) ?? 0) + 1;
          counts.set(event, count);
          if (wanted.get(event) === count) {
            self.postMessage({ type: "counted", event, count });
          }
          return;
        }
        const line = `${event} ${payload.from} ${payload.n}`;
        seen.push(line);
        self.postMessage({ type: "seen", line });
      });
      const onError = (error: unknown) =>
        self.postMessage({ type: "error", message: String(error) });
      if (command.own) {
        // A channel of our own: the bridge leaves it open, and our tap,
        // added after the bridge's listener, sees each message after it.
        channel = new BroadcastChannel(command.channel);
        bridge = bridgeBroadcastChannel(bus, channel, { onError });
        channel.addEventListener("message", (event) => {
          const last = seen.at(-1);
          self.postMessage({
            type: "tap",
            // An event message: [2, origin, seq, id, event, payload].
            event: (event.data as unknown[])[4],
            last,
          });
        });
      } else {
        bridge = bridgeBroadcastChannel(bus, command.channel, { onError });
      }
      self.postMessage({ type: "ready", origin: bridge.origin });
      break;
    }
    case "emit":
      bus.emit(command.event, { from: name, n: command.n }).catch((error) =>
        self.postMessage({ type: "error", message: String(error) })
      );
      self.postMessage({ type: "emitted", event: command.event });
      break;
    case "burst": {
      const { event, count, mode } = command;
      const run = async () => {
        for (let n = 0; n < count; n++) {
          const emitted = bus.emit(event, { from: name, n });
          if (mode === "awaited") await emitted;
          if (mode === "spread") await drainMicrotasks();
        }
      };
      run().then(
        () => self.postMessage({ type: "burst", event }),
        (error) => self.postMessage({ type: "error", message: String(error) }),
      );
      break;
    }
    case "count":
      wanted.set(command.event, command.count);
      if ((counts.get(command.event) ?? 0) >= command.count) {
        self.postMessage({
          type: "counted",
          event: command.event,
          count: command.count,
        });
      }
      break;
    case "raw":
      channel!.postMessage(command.message);
      break;
    case "close":
      bridge.close().then(() => {
        self.postMessage({
          type: "closed",
          listeners: bus.listenerCount(),
          seen,
        });
        if (!channel) self.close();
      });
      break;
  }
};
