// Copyright 2026 the arcly authors. MIT license.

/**
 * What is measured: the implementations, each loaded with a driver of its
 * own, and the cases. Shared by `bench/round.ts` (the report's rounds) and
 * `bus_bench.ts` (`deno bench`).
 *
 * @module
 */

import type { Driver, Runner } from "./_driver.ts";

/** One implementation under comparison. */
export interface Impl {
  /** The name shown in reports. */
  name: string;
  /** Where its code comes from, for the report. */
  source: string;
}

/** This package: the baseline of every ratio. */
export const OURS = "@arcly/bus";
/** An identical copy of this package, loaded from a temporary directory. */
export const CONTROL = "control";
/** The minimal reference bus of `_floor.ts`. */
export const FLOOR = "floor";
/**
 * The package as committed at another revision (`bench/regression.ts`):
 * not in `IMPLS`, loaded only when `loadDrivers` is given its folder.
 */
export const BASE = "base";

/** Every implementation, this package first. */
export const IMPLS: readonly Impl[] = [
  { name: OURS, source: "this repository" },
  { name: CONTROL, source: "a copy of this repository's modules" },
  { name: FLOOR, source: "bench/_floor.ts" },
  { name: "emittery", source: "npm:emittery@2.2.0" },
  { name: "mitt", source: "npm:mitt@3.0.1" },
  { name: "eventemitter3", source: "npm:eventemitter3@5.0.4" },
  { name: "tseep", source: "npm:tseep@1.3.1" },
  { name: "EventTarget", source: "built in" },
];

const root = new URL("../", import.meta.url);
/** Folders of the repository that hold no module of the package. */
const SKIP = new Set([
  ".git",
  ".cache",
  "bench",
  "dist",
  "docs",
  "examples",
  "node_modules",
  "runtime-tests",
  "testdata",
]);

/**
 * Whether `path` (relative to the repository, `/`-separated) is one of the
 * package's modules: a `.ts` file, not a test, bench or test helper, outside
 * the folders in `SKIP`.
 */
export function isModule(path: string): boolean {
  const parts = path.split("/");
  const file = parts.pop()!;
  return parts.every((part) => !SKIP.has(part)) && file.endsWith(".ts") &&
    !/_test\.ts$|_bench\.ts$|^_test_/.test(file);
}

/** Copies the package's modules (`isModule`) from `from` into `to`. */
async function copyModules(from: URL, to: URL, path = ""): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory && !SKIP.has(entry.name)) {
      await copyModules(
        new URL(`${entry.name}/`, from),
        new URL(`${entry.name}/`, to),
        `${path}${entry.name}/`,
      );
    } else if (entry.isFile && isModule(`${path}${entry.name}`)) {
      await Deno.copyFile(new URL(entry.name, from), new URL(entry.name, to));
    }
  }
}

/**
 * Runs `command` with `args` in the repository and returns its stdout;
 * throws when it fails (its stderr goes to ours).
 */
export async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")} failed with ${output.code}`);
  }
  return new TextDecoder().decode(output.stdout);
}

type DriverModule = typeof import("./_driver.ts");

/**
 * A module instance of `_driver.ts` for `impl` alone. The specifiers are
 * literals so they are part of the module graph: type-checked, and loaded
 * without read permission.
 */
function importDriver(impl: string): Promise<DriverModule> {
  switch (impl) {
    case OURS:
      return import("./_driver.ts?impl=arcly");
    case CONTROL:
      return import("./_driver.ts?impl=control");
    case FLOOR:
      return import("./_driver.ts?impl=floor");
    case BASE:
      return import("./_driver.ts?impl=base");
    case "emittery":
      return import("./_driver.ts?impl=emittery");
    case "mitt":
      return import("./_driver.ts?impl=mitt");
    case "eventemitter3":
      return import("./_driver.ts?impl=eventemitter3");
    case "tseep":
      return import("./_driver.ts?impl=tseep");
    case "EventTarget":
      return import("./_driver.ts?impl=EventTarget");
  }
  throw new RangeError(`Cannot load a driver for "${impl}": unknown`);
}

/** The drivers, by implementation name, and a cleanup for the control copy. */
export interface Loaded extends Disposable {
  drivers: Map<string, Driver>;
}

/**
 * Loads one driver per implementation in `names`, each from its own module
 * instance (`./_driver.ts?impl=<name>`). The control drives a copy of the
 * package in a temporary directory: a module graph of its own, so it shares
 * no code, and no feedback, with the package. `BASE` drives the `mod.ts` in
 * the folder `base` (a file URL ending in `/`). With `sharedDriver`, every
 * implementation gets the same driver instance, as before (to show the
 * order effect that separate instances remove).
 */
export async function loadDrivers(
  names: readonly string[],
  sharedDriver = false,
  base?: URL,
): Promise<Loaded> {
  const drivers = new Map<string, Driver>();
  const modules = new Set<DriverModule>();
  let copy: string | undefined;
  for (const name of names) {
    let bus: unknown;
    if (name === OURS) {
      bus = (await import("../mod.ts")).EventBus;
    } else if (name === CONTROL) {
      copy = await Deno.makeTempDir({ prefix: "arcly_bus_control_" });
      const dir = new URL(`file://${copy}/`);
      await copyModules(root, dir);
      bus = (await import(new URL("mod.ts", dir).href)).EventBus;
    } else if (name === BASE) {
      if (base === undefined) throw new TypeError("The base needs its folder");
      bus = (await import(new URL("mod.ts", base).href)).EventBus;
    }
    const module = sharedDriver
      ? await import("./_driver.ts")
      : await importDriver(name);
    if (!sharedDriver && modules.has(module)) {
      throw new Error(`The driver of "${name}" is not a module of its own`);
    }
    modules.add(module);
    drivers.set(
      name,
      module.createDriver(
        name,
        bus as Parameters<typeof module.createDriver>[1],
      ),
    );
  }
  return {
    drivers,
    [Symbol.dispose]() {
      if (copy !== undefined) Deno.removeSync(copy, { recursive: true });
    },
  };
}

/** One measured case. */
export interface Case {
  /** "<group>", e.g. "emit 10 sync". */
  name: string;
  /** The implementations that run it (the others are too slow there). */
  impls: readonly string[];
  /** "rate": a runner timed over many calls; "cycle": one cycle per sample. */
  kind: "rate" | "cycle";
  /** Operations per runner call for "rate", subscriptions for "cycle". */
  count: number;
  /** Builds the case for one driver. */
  setup(driver: Driver): Runner;
}

/** Listener counts of the emit cases. */
export const LISTENER_COUNTS: readonly number[] = [0, 1, 10, 100];
/** Listener counts of the async emit cases. */
export const ASYNC_COUNTS: readonly number[] = [1, 10, 100];
/** Subscription counts of the scaling cases. */
export const SCALE_COUNTS: readonly number[] = [1_000, 10_000, 100_000];
/** Listener counts of the churn cases. */
export const CHURN_COUNTS: readonly number[] = [1_000, 10_000];

/** `count` distinct event names, or `count` times the one hot event. */
function eventNames(kind: "spread" | "hot", count: number): string[] {
  return Array.from(
    { length: count },
    kind === "spread" ? (_, i) => `event.${i}` : () => "e",
  );
}

/** A fixed pseudo-random permutation of `0..count-1` (Fisher-Yates, LCG). */
function permutation(count: number, seed = 42): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  let state = seed >>> 0;
  for (let i = count - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `items` in a random order (Math.random: a new order each process). */
export function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const ALL = IMPLS.map((impl) => impl.name);

function scaleCase(kind: "spread" | "hot", count: number): Case {
  // At 100k on one event the peers take seconds per cycle (those that scan
  // the listener list on unsubscribe grow quadratically), and emittery
  // takes seconds at 100k spread: they run up to 10k, which shows their
  // growth.
  const impls = count < 100_000
    ? ALL
    : kind === "hot"
    ? [OURS, CONTROL, FLOOR]
    : ALL.filter((name) => name !== "emittery");
  // Built on first use, so a round holds one fixture at a time.
  let names: string[] | undefined;
  let order: number[] | undefined;
  return {
    name: `scale ${kind} ${count}`,
    impls,
    kind: "cycle",
    count,
    setup(driver) {
      names ??= eventNames(kind, count);
      order ??= permutation(count);
      return driver.cycle(names, driver.listeners(count, false), order);
    },
  };
}

/** Every case, in the order a round runs them. */
export function cases(): Case[] {
  const rates: [string, (driver: Driver) => Runner][] = [];
  for (const awaited of [true, false]) {
    for (const count of LISTENER_COUNTS) {
      rates.push([
        `emit ${count} sync${awaited ? "" : ", not awaited"}`,
        (driver) => driver.emit(count, false, awaited),
      ]);
    }
  }
  for (const count of ASYNC_COUNTS) {
    rates.push([
      `emit ${count} async`,
      (driver) => driver.emit(count, true, true),
    ]);
  }
  for (const count of CHURN_COUNTS) {
    rates.push([`churn ${count}`, (driver) => driver.churn(count)]);
  }
  const list: Case[] = rates.map(([name, setup]) => ({
    name,
    impls: ALL,
    kind: "rate",
    count: 1,
    setup,
  }));
  for (const kind of ["spread", "hot"] as const) {
    for (const count of SCALE_COUNTS) list.push(scaleCase(kind, count));
  }
  return list;
}
