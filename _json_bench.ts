// Copyright 2026 the arcly authors. MIT license.

// The Redis bridge's encoder against JSON.stringify, on a 200 B and a 100 KB
// payload of plain data (what a bus event usually carries), alone and as the
// last item of a protocol 2 message (what the Redis bridge publishes):
//   deno bench _json_bench.ts

import { encodeJson, encodeJsonItems } from "./_json.ts";

function order(i: number) {
  return {
    id: `A-${1000 + i}`,
    user: { id: i, name: "Ada Lovelace", email: "ada@example.com" },
    items: [
      { sku: "X-1", qty: 2, price: 9.99 },
      { sku: "Y-2", qty: 1, price: 19.5 },
    ],
    total: 39.48,
    paid: true,
    note: null,
  };
}

const small = order(42);
const large = { orders: Array.from({ length: 500 }, (_, i) => order(i)) };

for (
  const [group, payload] of [
    [`${JSON.stringify(small).length} B`, small],
    [`${(JSON.stringify(large).length / 1000).toFixed(0)} KB`, large],
  ] as const
) {
  Deno.bench(`${group}: JSON.stringify`, { group, baseline: true }, () => {
    JSON.stringify(payload);
  });
  Deno.bench(`${group}: encodeJson`, { group }, () => {
    encodeJson(payload, "Cannot publish", "payload");
  });
  const head = [2, "mZ3k1c0e9aQ2Yy8v", 12345, "Xq0Jc7tG3uHnL2mP", "order"];
  Deno.bench(`${group}: JSON.stringify, message`, { group }, () => {
    JSON.stringify([...head, payload]);
  });
  Deno.bench(`${group}: encodeJsonItems, message`, { group }, () => {
    encodeJsonItems([...head, payload], "Cannot publish", "payload");
  });
}
