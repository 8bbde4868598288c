// Copyright 2026 the arcly authors. MIT license.

// Deno only (see runtime-tests/suite.ts): bundles with `deno bundle`.

import assert from "node:assert/strict";

Deno.test("mod.ts: an app that imports only EventBus bundles none of the bridges", async () => {
  const dir = await Deno.makeTempDir({ prefix: "arcly_bus_bundle_" });
  try {
    const entry = `${dir}/entry.ts`;
    const out = `${dir}/out.js`;
    const mod = new URL("./mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      entry,
      `export { EventBus } from ${JSON.stringify(mod)};\n`,
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "browser", "-o", out, entry],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const bundled = await Deno.readTextFile(out);
    // esbuild heads each module it keeps with a "// file" comment.
    const modules = [...bundled.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) =>
      m[1]!.split("/").at(-1)
    );
    assert.ok(modules.includes("bus.ts"));
    for (const dropped of ["bridge.ts", "broadcast_channel.ts", "_json.ts"]) {
      assert.ok(!modules.includes(dropped), `${dropped} was bundled`);
    }
    assert.ok(!modules.some((name) => name!.startsWith("_bridge")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
