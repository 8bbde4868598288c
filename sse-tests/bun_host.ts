// Copyright 2026 the arcly authors. MIT license.

// The fan-out server test on Bun.serve, on the TypeScript sources:
// bun run sse-tests/bun_host.ts (exit 1 on failure). Run by runtimes.ts.
import { fanOut, type Listen } from "../_test_sse.ts";

// Declared by bun-types; written out so `deno check` reads this file too.
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: (request: Request) => Response | Promise<Response>;
  }): { port: number; stop(closeActive: boolean): Promise<void> };
};

const listen: Listen = (handler) => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch: handler,
  });
  return Promise.resolve({
    url: `http://127.0.0.1:${server.port}/events`,
    close: () => server.stop(true),
  });
};

console.log(
  JSON.stringify(
    await fanOut(listen, { clients: 50, events: 500, leavers: 10 }),
  ),
);
