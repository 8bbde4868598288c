// Copyright 2026 the arcly authors. MIT license.

/**
 * Bundle size and cold import time, printed as JSON on stdout:
 *
 * - `mod.ts`, an entry that exports only `EventBus`, and one that adds the
 *   BroadcastChannel bridge (`@arcly/bus/broadcast-channel`, which brings
 *   `@arcly/bus/bridge`), each bundled for browsers and minified (`deno
 *   bundle --platform browser --minify`), in bytes before and after gzip
 *   (`CompressionStream`);
 * - cold import: the time of `await import()` in a fresh `deno` process,
 *   of `mod.ts` (Deno's transpile cache already filled by an unmeasured
 *   first run) and of the minified bundle; median of `RUNS` processes.
 *
 * Run: `deno run --allow-run=deno --allow-read --allow-write bench/size.ts`
 *
 * @module
 */

/** What this script prints. */
export interface SizeReport {
  /** Bytes by entry: minified, and minified then gzipped. */
  bundles: Record<string, { minified: number; gzipped: number }>;
  /** Median milliseconds of the first `await import()`, by what is imported. */
  coldImportMs: Record<string, number>;
  /** Processes per cold import figure. */
  runs: number;
}

const RUNS = 7;
const root = new URL("../", import.meta.url);

async function deno(args: string[]): Promise<string> {
  const output = await new Deno.Command("deno", {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `deno ${args.join(" ")} failed: ${decoder.decode(output.stderr)}`,
    );
  }
  return decoder.decode(output.stdout);
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function coldImport(url: string): Promise<number> {
  const code = `const start = performance.now(); await import(${
    JSON.stringify(url)
  }); console.log(performance.now() - start);`;
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const ms = Number(await deno(["eval", "--no-check", code]));
    // The first run fills the transpile cache.
    if (i > 0) times.push(ms);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

const dir = await Deno.makeTempDir({ prefix: "arcly_bus_size_" });
try {
  const mod = new URL("mod.ts", root).href;
  const channel = new URL("broadcast_channel.ts", root).href;
  const entries: Record<string, string> = {
    "mod.ts": new URL("mod.ts", root).pathname,
    "EventBus only": `${dir}/event_bus_only.ts`,
    "EventBus + bridgeBroadcastChannel": `${dir}/with_bridge.ts`,
  };
  await Deno.writeTextFile(
    entries["EventBus only"]!,
    `export { EventBus } from ${JSON.stringify(mod)};\n`,
  );
  await Deno.writeTextFile(
    entries["EventBus + bridgeBroadcastChannel"]!,
    `export { EventBus } from ${JSON.stringify(mod)};\n` +
      `export { bridgeBroadcastChannel } from ${JSON.stringify(channel)};\n`,
  );
  const report: SizeReport = { bundles: {}, coldImportMs: {}, runs: RUNS };
  let bundle = "";
  for (const [name, entry] of Object.entries(entries)) {
    const out = entry.endsWith("/mod.ts")
      ? `${dir}/mod.js`
      : entry.replace(/\.ts$/, ".js");
    await deno([
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "-o",
      out,
      entry,
    ]);
    const bytes = await Deno.readFile(out);
    report.bundles[name] = {
      minified: bytes.byteLength,
      gzipped: await gzipSize(bytes),
    };
    if (name === "mod.ts") bundle = `file://${out}`;
  }
  report.coldImportMs["mod.ts"] = await coldImport(mod);
  report.coldImportMs["mod.js (minified bundle)"] = await coldImport(bundle);
  console.log(JSON.stringify(report, null, 2));
} finally {
  await Deno.remove(dir, { recursive: true });
}
