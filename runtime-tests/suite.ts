// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * The one list of test files that every runtime runs: the runtime-neutral
 * `*_test.ts` files (only `Deno.test`, `t.step` and `node:assert/strict`, no
 * other Deno API, no `using`). `deno test` runs them natively; the Bun, Node,
 * workerd and Chromium hosts run them through the `Deno.test` shim of
 * `_shim.ts`, and `run.ts` takes the expected test count from this list.
 *
 * A new test file goes into {@linkcode SUITE} when it is runtime-neutral, or
 * into {@linkcode DENO_ONLY} with the reason; `suite_test.ts` fails while a
 * `*_test.ts` file beside the sources is in neither.
 *
 * @module
 */

/** One test file of the shared suite. */
export interface SuiteFile {
  /** The path from the repository root, as `deno test` reports it. */
  readonly path: string;
  /** Imports the file, which registers its tests with `Deno.test`. */
  readonly load: () => Promise<unknown>;
}

/** The runtime-neutral test files, in the order the hosts run them. */
export const SUITE: readonly SuiteFile[] = [
  { path: "bus_test.ts", load: () => import("../bus_test.ts") },
  { path: "iterate_test.ts", load: () => import("../iterate_test.ts") },
  { path: "pattern_test.ts", load: () => import("../pattern_test.ts") },
  { path: "serial_test.ts", load: () => import("../serial_test.ts") },
  { path: "trace_test.ts", load: () => import("../trace_test.ts") },
  { path: "_validate_test.ts", load: () => import("../_validate_test.ts") },
  { path: "emit_order_test.ts", load: () => import("../emit_order_test.ts") },
  { path: "delivery_test.ts", load: () => import("../delivery_test.ts") },
  { path: "unsubscribe_test.ts", load: () => import("../unsubscribe_test.ts") },
  { path: "lifecycle_test.ts", load: () => import("../lifecycle_test.ts") },
  { path: "proxy_test.ts", load: () => import("../proxy_test.ts") },
  { path: "bus_names_test.ts", load: () => import("../bus_names_test.ts") },
  {
    path: "several_names_test.ts",
    load: () => import("../several_names_test.ts"),
  },
  { path: "_registry_test.ts", load: () => import("../_registry_test.ts") },
  { path: "_dispatch_test.ts", load: () => import("../_dispatch_test.ts") },
  { path: "bridge_test.ts", load: () => import("../bridge_test.ts") },
  { path: "sse_test.ts", load: () => import("../sse_test.ts") },
];

/**
 * The test files beside the sources that only `deno test` runs, each with
 * what ties it to Deno.
 */
export const DENO_ONLY: Readonly<Record<string, string>> = {
  "bus_types_test.ts": "type checks with @ts-expect-error",
  "bus_using_test.ts": "using and await using (a syntax error in Node 20)",
  "bus_unhandled_rejection_test.ts":
    "counts unhandled rejections, which each test runner intercepts its own way",
  "_schema_test.ts": "imports zod and valibot with npm: specifiers",
  "proxy_vue_test.ts": "imports @vue/reactivity with an npm: specifier",
  "mod_bundle_test.ts": "runs deno bundle",
  "_pattern_test.ts": "tests the internal pattern cache, not the package",
  "_json_test.ts":
    "imports node:vm (workerd has none) and nests 200,000 deep, past what JSON.stringify survives on Node and Bun",
  "broadcast_channel_test.ts": "runs TypeScript Workers and uses using syntax",
  "redis_test.ts": "starts redis-server with Deno.Command",
  "sse_server_test.ts":
    "serves with Deno.serve and reads the streams with fetch (Bun, Node, workerd and Chromium: sse-tests/runtimes.ts)",
  "redis_streams_test.ts": "starts redis-server with Deno.Command",
  "redis_streams_deep_test.ts":
    "starts redis-server and consumer processes with Deno.Command",
};
