// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The page: a typed bus fed by bridgeEventSource from the Deno server of
// runtimes.ts. Bundled to ../dist/page.js; sets globalThis.result when done.
import { EventBus, type StandardSchema } from "../../mod.ts";
import { bridgeEventSource } from "../../sse.ts";

type Order = { id: number; total: number };
type Events = { "order.placed": Order; tick: number };

const order: StandardSchema<Order> = {
  "~standard": {
    version: 1,
    vendor: "page",
    validate: (value) => {
      const v = value as Partial<Order> | null;
      return typeof v?.id === "number" && typeof v.total === "number"
        ? { value: { id: v.id, total: v.total } }
        : { issues: [{ message: "Expected an order", path: ["id"] }] };
    },
  },
};

const bus = new EventBus<Events>();
const log: unknown[] = [];
const errors: string[] = [];
const bridge = bridgeEventSource(bus, "/events", {
  events: ["tick"],
  schemas: { "order.placed": order },
  onError: (error) => errors.push((error as Error).message),
});
bus.subscribe("tick", (n, delivery) => {
  log.push(["tick", n, delivery.local]);
});
bus.subscribe("order.placed", (placed, delivery) => {
  log.push(["order.placed", placed.total.toFixed(2), delivery.local]);
  if (placed.id !== 2) return;
  bridge.close();
  (globalThis as { result?: unknown }).result = {
    log,
    errors,
    closed: bridge.closed,
    idOk: /^[0-9a-f]{8}-\d+$/.test(delivery.id ?? ""),
  };
});
bridge.source.addEventListener("open", () => {
  fetch("/ready", { method: "POST" });
});
