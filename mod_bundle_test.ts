// Copyright 2026 the arcly authors. MIT license.

// Deno only (see runtime-tests/suite.ts): bundles with `deno bundle`.

import assert from "node:assert/strict";

/**
 * The most bytes `mod.ts` may take, bundled for browsers, minified and
 * gzipped: 6,000, issue #12's "at most 6.0 KB" read as decimal kilobytes.
 * mod.ts is 5,985 now. Lower it as the bundle shrinks, and raise it only by
 * a decision, never to make a change pass.
 */
const MOD_GZIP_BUDGET = 6000;

const MOD = new URL("./mod.ts", import.meta.url).pathname;

/** Bundles `mod.ts` for browsers with `deno bundle` and returns the code. */
async function bundle(minify: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "arcly_bus_bundle_" });
  try {
    const out = `${dir}/mod.js`;
    const args = ["bundle", "--quiet", "--platform", "browser", "-o", out];
    if (minify) args.push("--minify");
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [...args, MOD],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

Deno.test("mod.ts bundles none of the bridge modules: they have entries of their own", async () => {
  const bundled = await bundle(false);
  // esbuild heads each module it keeps with a "// file" comment.
  const modules = [...bundled.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) =>
    m[1]!.split("/").at(-1)!
  );
  assert.ok(modules.includes("bus.ts"), `bundled: ${modules.join(", ")}`);
  const bridges = modules.filter((name) =>
    name.startsWith("_bridge") ||
    ["bridge.ts", "broadcast_channel.ts", "redis.ts", "_json.ts", "_schema.ts"]
      .includes(name)
  );
  assert.deepEqual(bridges, [], `mod.ts bundles ${bridges.join(", ")}`);
});

Deno.test(`mod.ts minified and gzipped stays within ${MOD_GZIP_BUDGET} bytes`, async () => {
  const size = await gzipSize(await bundle(true));
  assert.ok(
    size <= MOD_GZIP_BUDGET,
    `mod.ts is ${size} B minified and gzipped, over its budget of ` +
      `${MOD_GZIP_BUDGET} B (issue #12 asks for at most 6.0 KB). Measure with ` +
      "`deno run --allow-run=deno --allow-read --allow-write bench/size.ts`; " +
      "read `deno bundle --platform browser --minify mod.ts` for what costs " +
      "bytes, and shrink it rather than raise the budget.",
  );
});
