// Copyright 2026 the arcly authors. MIT license.

/**
 * `deno task build`: the typed browser build. Writes `dist/mod.js` (browser
 * ESM, `deno bundle --platform browser`) and `dist/mod.d.ts` with the
 * declarations it imports (`tsc --emitDeclarationOnly` from the pinned
 * TypeScript, since `deno bundle --declaration` fails on this code), their
 * `./x.ts` imports rewritten to `./x.js`.
 *
 * @module
 */

import { HERE, installTools, mustRun, ROOT, tool } from "./_tools.ts";

/** The folder the build writes. */
export const DIST: URL = new URL("dist/", ROOT);

/** Builds dist/mod.js and its declarations. */
export async function build(): Promise<void> {
  await installTools();
  await Deno.remove(DIST, { recursive: true }).catch(() => {});
  await mustRun(Deno.execPath(), [
    "bundle",
    "--platform",
    "browser",
    "--quiet",
    "-o",
    "dist/mod.js",
    "mod.ts",
  ], ROOT);
  await mustRun(tool("tsc"), ["-p", "tsconfig.build.json"], HERE);
  for await (const entry of Deno.readDir(DIST)) {
    if (!entry.name.endsWith(".d.ts")) continue;
    const file = new URL(entry.name, DIST);
    const text = await Deno.readTextFile(file);
    await Deno.writeTextFile(
      file,
      text.replace(/(["']\.{1,2}\/[^"'\s]+)\.ts(["'])/g, "$1.js$2"),
    );
  }
}

if (import.meta.main) {
  await build();
  console.log("wrote dist/mod.js and dist/mod.d.ts");
}
