// Copyright 2026 the arcly authors. MIT license.

// Bun.serve: bun run examples/sse/bun.ts (with "@arcly/bus" installed:
// bunx jsr add @arcly/bus).
import { EventBus } from "@arcly/bus";
import { type Events, handle } from "./app.ts";

// Declared by bun-types (`bun add -d @types/bun`); written out here so
// `deno check` reads this file too.
declare const Bun: {
  env: Record<string, string | undefined>;
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: (request: Request) => Promise<Response>;
  }): unknown;
};

const bus = new EventBus<Events>();
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(Bun.env.PORT ?? 8000),
  // Bun closes a connection idle for 10 s by default; the heartbeat
  // (15 s) would come too late. 0 turns that off.
  idleTimeout: 0,
  fetch: (request) => handle(bus, request),
});
