// Copyright 2026 the arcly authors. MIT license.

/**
 * `deno task test:sse`: `@arcly/bus/sse` on every runtime.
 *
 * - Each recipe of examples/sse (Deno.serve, Deno Deploy, Bun.serve, Node,
 *   workerd) is started on 127.0.0.1, a client connects, posts a message and
 *   checks that the event arrives; then the process is stopped.
 * - The fan-out server test (`fanOut` of _test_sse.ts) on Bun and on Node
 *   (bundled). The runtime-neutral sse_test.ts runs on every runtime in the
 *   shared suite (runtime-tests/suite.ts, `deno task test:runtimes`).
 * - workerd: the Durable Object hub delivers a POST to the SSE clients of
 *   every other request, and a client that leaves leaves no listener.
 * - Chromium (Debian's, driven by playwright-core): a page using
 *   bridgeEventSource receives typed events from a Deno server.
 *
 * It installs the pinned tools (package-lock.json) with `npm ci` when they
 * are missing and bundles with `deno bundle`. Environment: `CHROMIUM_PATH`
 * (default `/usr/bin/chromium`), `NODE` (default `node`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { EventBus } from "../mod.ts";
import { serverSentEvents } from "../sse.ts";
import { connectSse, until } from "../_test_sse.ts";

const HERE = new URL("./", import.meta.url);
const ROOT = new URL("../", HERE);
const BIN = new URL("node_modules/.bin/", HERE).pathname;
const DIST = new URL("dist/", HERE).pathname;
const NODE = Deno.env.get("NODE") ?? "node";
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

async function run(
  command: string,
  args: string[],
  cwd: URL = ROOT,
): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const decoder = new TextDecoder();
  const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  if (out.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${text}`);
  }
  return decoder.decode(out.stdout);
}

let prepared: Promise<void> | undefined;

/** Installs the tools and bundles, once. */
function prepare(): Promise<void> {
  return prepared ??= (async () => {
    try {
      await Deno.stat(`${BIN}workerd`);
      await Deno.stat(`${BIN}bun`);
      await Deno.stat(new URL("node_modules/playwright-core/", HERE));
    } catch {
      await run("npm", ["ci", "--no-audit", "--no-fund"], HERE);
    }
    const bundles: [string, string, string][] = [
      [
        "browser",
        "examples/sse/workerd/dist/worker.js",
        "examples/sse/workerd/worker.ts",
      ],
      ["browser", `${DIST}bun_recipe.js`, "examples/sse/bun.ts"],
      ["node", `${DIST}node_recipe.mjs`, "examples/sse/node.ts"],
      ["node", `${DIST}node_host.mjs`, "sse-tests/node_host.ts"],
      ["browser", `${DIST}hub_worker.js`, "sse-tests/workerd/hub_worker.ts"],
      ["browser", `${DIST}page.js`, "sse-tests/browser/page.ts"],
    ];
    await Promise.all(
      bundles.map(([platform, out, entry]) =>
        run("deno", [
          "bundle",
          "--quiet",
          "--platform",
          platform,
          "-o",
          out,
          entry,
        ])
      ),
    );
  })();
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** A process this file started, stopped by its PID. */
interface Started {
  url: string;
  stop(): Promise<void>;
}

async function start(
  command: string,
  args: (port: number) => string[],
): Promise<Started> {
  const port = freePort();
  const child = new Deno.Command(command, {
    args: args(port),
    cwd: ROOT,
    env: { PORT: String(port) },
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}/events`;
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Exited already.
    }
  };
  const stop = async () => {
    kill("SIGTERM");
    // `deno serve` shuts down gracefully, waiting for open connections.
    const timer = setTimeout(() => kill("SIGKILL"), 2_000);
    await child.status;
    clearTimeout(timer);
  };
  try {
    // The process listens when a request gets an answer: at most 10 s.
    let ready = false;
    for (let i = 0; i < 200 && !ready; i++) {
      try {
        await (await fetch(url.replace("/events", "/ready-check"))).body
          ?.cancel();
        ready = true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    assert.ok(ready, `${command} did not listen on ${port}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

function post(url: string, text: string): Promise<void> {
  return fetch(url, { method: "POST", body: JSON.stringify({ text }) })
    .then(async (response) => {
      await response.body?.cancel();
      assert.equal(response.status, 204);
    });
}

/** The check every recipe passes: connect, post, receive, leave. */
async function checkRecipe(server: Started): Promise<void> {
  try {
    const client = await connectSse(server.url);
    await post(server.url, "hello");
    const [block] = await client.reader.events(1);
    assert.equal(block!.event, "message.posted");
    assert.equal(block!.data, '{"text":"hello"}');
    await client.leave();
  } finally {
    await server.stop();
  }
}

const recipes: [string, () => Promise<Started>][] = [
  ["Deno.serve", () =>
    start("deno", () => [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env=PORT",
      "examples/sse/deno.ts",
    ])],
  ["Deno Deploy (deno serve)", () =>
    start("deno", (port) => [
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--allow-net=127.0.0.1",
      "examples/sse/deploy.ts",
    ])],
  ["Bun.serve", () => start(`${BIN}bun`, () => [`${DIST}bun_recipe.js`])],
  [
    "Node (node:http adapter)",
    () => start(NODE, () => [`${DIST}node_recipe.mjs`]),
  ],
  ["workerd (Durable Object)", () =>
    start(`${BIN}workerd`, (port) => [
      "serve",
      "examples/sse/workerd/config.capnp",
      "--socket-addr",
      `http=127.0.0.1:${port}`,
    ])],
];

for (const [name, launch] of recipes) {
  Deno.test(`Recipe ${name}: a posted message reaches an SSE client`, async () => {
    await prepare();
    await checkRecipe(await launch());
  });
}

for (
  const [name, command, file] of [
    ["Bun", `${BIN}bun`, "sse-tests/bun_host.ts"],
    ["Node (bundled)", NODE, `${DIST}node_host.mjs`],
  ]
) {
  Deno.test(`${name}: 50 clients × 500 events, every client gets every event once, in order; 10 leave half-way`, async () => {
    await prepare();
    const result = JSON.parse(await run(command!, [file!]));
    console.log(
      `  ${
        Math.round(result.rate)
      } events/s delivered; 10 leavers unsubscribed in ${
        result.cleanup.toFixed(0)
      } ms`,
    );
  });
}

Deno.test("workerd: the Durable Object hub delivers a POST to every other request's clients, and a client that leaves leaves no listener", async () => {
  await prepare();
  const server = await start(`${BIN}workerd`, (port) => [
    "serve",
    "sse-tests/workerd/config.capnp",
    "--socket-addr",
    `http=127.0.0.1:${port}`,
  ]);
  const listeners = async () => {
    const response = await fetch(server.url.replace("/events", "/listeners"));
    return Number(await response.text());
  };
  try {
    const a = await connectSse(server.url);
    const b = await connectSse(server.url);
    assert.equal(await listeners(), 3); // two clients and the replay ring
    await post(server.url, "to everyone");
    for (const client of [a, b]) {
      const [block] = await client.reader.events(1);
      assert.equal(block!.data, '{"text":"to everyone"}');
    }
    await a.leave();
    let count = 3;
    const took = await (async () => {
      const start = performance.now();
      // heartbeat 200 ms: gone within one heartbeat (plus the round trip)
      while ((count = await listeners()) !== 2) {
        assert.ok(performance.now() - start < 400, `still ${count} listeners`);
      }
      return performance.now() - start;
    })();
    console.log(
      `  the hub unsubscribed a client that left in ${took.toFixed(0)} ms`,
    );
    await post(server.url, "still here");
    assert.equal((await b.reader.events(1))[0]!.data, '{"text":"still here"}');
    await b.leave();
    while ((count = await listeners()) !== 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await server.stop();
  }
});

Deno.test("Chromium: a page using bridgeEventSource receives typed events from a Deno server", async () => {
  await prepare();
  type Events = {
    "order.placed": { id: number | string; total: number };
    tick: number;
  };
  const bus = new EventBus<Events>();
  const page = await Deno.readFile(`${DIST}page.js`);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/") {
        return new Response(
          '<!doctype html><script type="module" src="/page.js"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (path === "/page.js") {
        return new Response(page, {
          headers: { "content-type": "text/javascript" },
        });
      }
      if (path === "/ready") {
        await bus.emit("tick", 1);
        await bus.emit("order.placed", { id: 1, total: 10 });
        await bus.emit("order.placed", { id: "x", total: 0 });
        await bus.emit("order.placed", { id: 2, total: 20.5 });
        return new Response(null, { status: 204 });
      }
      return serverSentEvents(bus, {
        signal: request.signal,
        lastEventId: request.headers.get("last-event-id"),
      });
    },
  );
  try {
    const out = await run(NODE, [
      "sse-tests/browser/drive.mjs",
      `http://127.0.0.1:${server.addr.port}/`,
      CHROMIUM,
    ]);
    assert.deepEqual(JSON.parse(out), {
      log: [
        ["tick", 1, false],
        ["order.placed", "10.00", false],
        ["order.placed", "20.50", false],
      ],
      errors: [
        'Dropped "order.placed": payload failed its schema: id: Expected an order',
      ],
      closed: true,
      idOk: true,
    });
    await until(() => bus.listenerCount() === 1, 2_000, "the page to leave");
  } finally {
    await server.shutdown();
  }
});
