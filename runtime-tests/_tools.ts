// Copyright 2026 the arcly authors. MIT license.

/**
 * Process helpers of `build.ts` and `run.ts`, and the install of the pinned
 * npm tools (`package-lock.json`: Bun, workerd, playwright-core, TypeScript).
 *
 * @module
 */

/** This folder. */
export const HERE: URL = new URL("./", import.meta.url);
/** The repository root. */
export const ROOT: URL = new URL("../", HERE);
/** How long one command may run. */
const TIMEOUT_MS = 300_000;

/** What a command printed, and its exit code (-1 when it did not run). */
export interface Output {
  /** The exit code. */
  code: number;
  /** stdout, then stderr. */
  text: string;
}

/**
 * Runs a command without colours and returns what it printed.
 *
 * @param command The program.
 * @param args Its arguments.
 * @param cwd Where it runs.
 * @returns Its exit code and output.
 */
export async function run(
  command: string,
  args: string[],
  cwd: URL = HERE,
): Promise<Output> {
  try {
    const out = await new Deno.Command(command, {
      args,
      cwd,
      env: { NO_COLOR: "1", FORCE_COLOR: "0" },
      stdin: "null",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      text: decoder.decode(out.stdout) + decoder.decode(out.stderr),
    };
  } catch (error) {
    return { code: -1, text: `${command} ${args.join(" ")}: ${error}` };
  }
}

/**
 * Runs a command and throws, printing its output, when it fails.
 *
 * @param command The program.
 * @param args Its arguments.
 * @param cwd Where it runs.
 * @returns What it printed.
 */
export async function mustRun(
  command: string,
  args: string[],
  cwd?: URL,
): Promise<string> {
  const out = await run(command, args, cwd);
  if (out.code !== 0) {
    console.error(out.text);
    throw new Error(`${command} ${args.join(" ")} failed (exit ${out.code})`);
  }
  return out.text;
}

/**
 * Whether a file or folder exists.
 *
 * @param path The path.
 * @returns Whether it exists.
 */
export async function exists(path: string | URL): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function mtime(path: URL): Promise<number> {
  return (await Deno.stat(path)).mtime?.getTime() ?? 0;
}

/**
 * The path of a pinned tool's executable.
 *
 * @param name The tool, e.g. `tsc`.
 * @returns Its path under node_modules/.bin.
 */
export function tool(name: string): string {
  return new URL(`node_modules/.bin/${name}`, HERE).pathname;
}

/** Runs `npm ci` unless node_modules matches package-lock.json already. */
export async function installTools(): Promise<void> {
  const marker = new URL("node_modules/.package-lock.json", HERE);
  const lock = new URL("package-lock.json", HERE);
  const tools = ["bun", "workerd", "tsc"];
  if (
    await exists(marker) && await mtime(marker) >= await mtime(lock) &&
    (await Promise.all(tools.map((name) => exists(tool(name))))).every(
      Boolean,
    )
  ) return;
  console.log("installing pinned tools: npm ci (runtime-tests/)");
  await mustRun("npm", ["ci", "--no-audit", "--no-fund"]);
}
