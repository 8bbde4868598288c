// Copyright 2026 the arcly authors. MIT license.

// The fan-out server test on node:http through the recipe's adapter. Node 20
// runs it bundled (runtimes.ts): deno bundle --platform node -o
// sse-tests/dist/node_host.mjs sse-tests/node_host.ts (exit 1 on failure).
import { fanOut, type Listen } from "../_test_sse.ts";
import { serve } from "../examples/sse/node_adapter.ts";

const listen: Listen = async (handler) => {
  const server = await serve(handler, { hostname: "127.0.0.1", port: 0 });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

console.log(
  JSON.stringify(
    await fanOut(listen, { clients: 50, events: 500, leavers: 10 }),
  ),
);
