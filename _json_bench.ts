// Copyright 2026 the arcly authors. MIT license.

// The Redis bridge's encoder against JSON.stringify, on a 200 B and a 100 KB
// payload of plain data (what a bus event usually carries):
//   deno bench _json_bench.ts

import { encodeJson } from "./_json.ts";

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
}
