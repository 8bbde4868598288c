// Copyright 2026 the arcly authors. MIT license.
/**
 * A small order service on the bus: a slow async listener (the mailer), a
 * fast one (the audit log) and a failing one (the warehouse), then a pattern
 * listener (metrics, `order.*`) and a listener of every event (the tracer).
 * It prints what ran when, in which order, and how the warehouse's failure
 * surfaced.
 *
 * Run it with `deno task demo`.
 */

import { EventBus } from "../mod.ts";

type Events = {
  "order.placed": { id: number; item: string };
  "order.shipped": { id: number };
};

const start = performance.now();
function log(line: string): void {
  const ms = (performance.now() - start).toFixed(0).padStart(4);
  console.log(`${ms} ms  ${line}`);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const bus = new EventBus<Events>();

bus.subscribe("order.placed", async (order) => {
  log(`mailer     starts the confirmation mail for order ${order.id}`);
  await sleep(200);
  log(`mailer     sent the mail for order ${order.id}`);
});

bus.subscribe("order.placed", (order) => {
  log(`audit      recorded order ${order.id} (${order.item})`);
});

bus.subscribe("order.placed", async (order) => {
  log(`warehouse  reserves stock for order ${order.id}`);
  await sleep(50);
  if (order.item === "unicorn") {
    log(`warehouse  fails order ${order.id}: no ${order.item} in stock`);
    throw new Error(`no ${order.item} in stock`);
  }
  log(`warehouse  reserved stock for order ${order.id}`);
});

// Runs after the event's own listeners: pattern listeners come next.
bus.subscribePattern("order.*", ({ name }) => {
  log(`metrics    counted ${name}`);
});

// Runs last: listeners of every event come after pattern listeners.
bus.subscribeAll(({ name, payload }) => {
  log(`tracer     saw ${name} ${JSON.stringify(payload)}`);
});

console.log("1. An order that goes through: every listener starts at once");
console.log("   (own, then pattern, then every-event listeners), and emit");
console.log("   resolves when the slowest one is done.\n");
const first = bus.emit("order.placed", { id: 1, item: "book" });
log("emit       returned: all listeners already started");
await first;
log("emit       resolved");

console.log("\n2. An order the warehouse fails: the others still finish,");
console.log("   then emit rejects with an AggregateError naming the event.\n");
try {
  await bus.emit("order.placed", { id: 2, item: "unicorn" });
} catch (error) {
  if (!(error instanceof AggregateError)) throw error;
  log(`emit       rejected: ${error.message}`);
  for (const cause of error.errors) {
    log(`           - ${(cause as Error).message}`);
  }
}

console.log("\n3. The same with an onError option: errors go to the handler");
console.log("   with the event, and emit resolves.\n");
const reported = new EventBus<Events>({
  onError(error, event) {
    log(
      `onError    ${event.name} #${event.payload.id}: ${
        (error as Error).message
      }`,
    );
  },
});
reported.subscribe("order.shipped", () => {
  throw new Error("carrier API timed out");
});
reported.subscribe(
  "order.shipped",
  (order) => log(`notifier   told the customer about order ${order.id}`),
);
await reported.emit("order.shipped", { id: 3 });
log("emit       resolved");

console.log("\n4. A one-shot wait with a timeout.\n");
const shipped = bus.waitFor("order.shipped", {
  filter: (order) => order.id === 4,
  signal: AbortSignal.timeout(1_000),
});
setTimeout(() => bus.emit("order.shipped", { id: 4 }), 20);
log(`waitFor    got order.shipped ${JSON.stringify(await shipped)}`);
