// Copyright 2026 the arcly authors. MIT license.

// sse_test.ts on Bun (bun run sse-tests/neutral_host.ts) and on Node (bundled
// by runtimes.ts to dist/neutral_host.mjs): exit 1 when a test fails.
import { runAll } from "./deno_shim.ts";
import "../sse_test.ts";

const failed = await runAll();
// Exit now: a failed test may leave a stream (and its heartbeat) open.
(globalThis as unknown as { process: { exit(code: number): never } }).process
  .exit(failed === 0 ? 0 : 1);
