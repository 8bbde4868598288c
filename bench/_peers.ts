// Copyright 2026 the arcly authors. MIT license.

/**
 * The emitters under comparison, each driven through its own idiomatic API.
 * Every peer gets the same listener bodies and the same payloads; the only
 * shared indirection is one closure call per operation, the same for all.
 *
 * @module
 */

import { EventBus } from "../mod.ts";
import Emittery from "npm:emittery@2.2.0";
import mitt from "npm:mitt@3.0.1";
import { EventEmitter as EventEmitter3 } from "npm:eventemitter3@5.0.4";
import { EventEmitter as Tseep } from "npm:tseep@1.3.1";

/** Emits awaited per bench iteration, so harness overhead stays small. */
export const EMITS_PER_ITERATION = 100;
/** Churn steps (subscribe, emit, unsubscribe, emit) per bench iteration. */
export const CHURN_STEPS_PER_ITERATION = 10;
/** Listener counts of the emit benches. */
export const LISTENER_COUNTS: readonly number[] = [0, 1, 10, 100];
/** Subscription counts of the scaling benches. */
export const SCALE_COUNTS: readonly number[] = [1_000, 10_000, 100_000];
/** Listener counts of the churn benches. */
export const CHURN_COUNTS: readonly number[] = [1_000, 10_000];

/** A listener as the peer's API takes it. */
// deno-lint-ignore no-explicit-any
export type Fn = (arg: any) => any;

/**
 * Listener bodies. Each listener adds the payload to a counter of its own,
 * as independent listeners do; a counter shared by all of them would let
 * code that calls them in straight-line order merge their work.
 */
function syncListener(): Fn {
  const state = { total: 0 };
  return (n: number) => {
    state.total += n;
  };
}

function asyncListener(): Fn {
  const state = { total: 0 };
  // deno-lint-ignore require-await
  return async (n: number) => {
    state.total += n;
  };
}

function syncEventListener(): Fn {
  const state = { total: 0 };
  return (event: CustomEvent<number>) => {
    state.total += event.detail;
  };
}

function asyncEventListener(): Fn {
  const state = { total: 0 };
  // deno-lint-ignore require-await
  return async (event: CustomEvent<number>) => {
    state.total += event.detail;
  };
}

function syncDataListener(): Fn {
  const state = { total: 0 };
  return (event: { data: number }) => {
    state.total += event.data;
  };
}

function asyncDataListener(): Fn {
  const state = { total: 0 };
  // deno-lint-ignore require-await
  return async (event: { data: number }) => {
    state.total += event.data;
  };
}

/** One emitter library, driven the way its README shows. */
export interface Peer {
  /** The name shown in reports. */
  name: string;
  /** The package and version, for the report. */
  source: string;
  /** Fresh, distinct listeners in the form this peer calls them. */
  listeners(count: number, isAsync: boolean): Fn[];
  /**
   * An emitter with `fns` on event `"e"`, and a function that emits `"e"`
   * once with `payload` and returns what the emit returns (to be awaited).
   */
  emitter(fns: readonly Fn[], payload: number): () => unknown;
  /**
   * Subscribes `fns[i]` to `names[i]` for every i, then unsubscribes them in
   * the order `order` gives, on a fresh emitter.
   */
  cycle(
    names: readonly string[],
    fns: readonly Fn[],
    order: readonly number[],
  ): void;
  /**
   * An emitter with `fns` on event `"e"`, and one churn step: subscribe
   * `extra`, emit, unsubscribe it, emit; every emit awaited.
   */
  churn(fns: readonly Fn[], extra: Fn, payload: number): () => Promise<void>;
  /**
   * Subscribes `fns[i]` to `names[i]`, emits every name once, and returns
   * everything a caller keeps to unsubscribe later (the emitter included).
   */
  hold(names: readonly string[], fns: readonly Fn[]): Promise<unknown>;
}

function plainListeners(count: number, isAsync: boolean): Fn[] {
  return Array.from({ length: count }, isAsync ? asyncListener : syncListener);
}

const arcly: Peer = {
  name: "@arcly/bus",
  source: "this repository",
  listeners: plainListeners,
  emitter(fns, payload) {
    const bus = new EventBus<Record<string, number>>();
    for (const fn of fns) bus.subscribe("e", fn);
    return () => bus.emit("e", payload);
  },
  cycle(names, fns, order) {
    const bus = new EventBus<Record<string, number>>();
    const offs = names.map((name, i) => bus.subscribe(name, fns[i]!));
    for (const i of order) offs[i]!();
  },
  churn(fns, extra, payload) {
    const bus = new EventBus<Record<string, number>>();
    for (const fn of fns) bus.subscribe("e", fn);
    return async () => {
      const off = bus.subscribe("e", extra);
      await bus.emit("e", payload);
      off();
      await bus.emit("e", payload);
    };
  },
  async hold(names, fns) {
    const bus = new EventBus<Record<string, number>>();
    const offs = names.map((name, i) => bus.subscribe(name, fns[i]!));
    for (const name of new Set(names)) await bus.emit(name, 1);
    return [bus, offs];
  },
};

const emittery: Peer = {
  name: "emittery",
  source: "npm:emittery@2.2.0",
  // Emittery 2 calls listeners with `{ name, data }`.
  listeners(count, isAsync) {
    return Array.from(
      { length: count },
      isAsync ? asyncDataListener : syncDataListener,
    );
  },
  emitter(fns, payload) {
    const emitter = new Emittery<Record<string, number>>();
    for (const fn of fns) emitter.on("e", fn);
    return () => emitter.emit("e", payload);
  },
  cycle(names, fns, order) {
    const emitter = new Emittery<Record<string, number>>();
    const offs = names.map((name, i) => emitter.on(name, fns[i]!));
    for (const i of order) offs[i]!();
  },
  churn(fns, extra, payload) {
    const emitter = new Emittery<Record<string, number>>();
    for (const fn of fns) emitter.on("e", fn);
    return async () => {
      const off = emitter.on("e", extra);
      await emitter.emit("e", payload);
      off();
      await emitter.emit("e", payload);
    };
  },
  async hold(names, fns) {
    const emitter = new Emittery<Record<string, number>>();
    const offs = names.map((name, i) => emitter.on(name, fns[i]!));
    for (const name of new Set(names)) await emitter.emit(name, 1);
    return [emitter, offs];
  },
};

// mitt's default export is typed for CommonJS interop; this is its call
// signature.
const createMitt = mitt as unknown as () => {
  on(name: string, fn: Fn): void;
  off(name: string, fn: Fn): void;
  emit(name: string, payload: number): void;
};

const mittPeer: Peer = {
  name: "mitt",
  source: "npm:mitt@3.0.1",
  listeners: plainListeners,
  emitter(fns, payload) {
    const emitter = createMitt();
    for (const fn of fns) emitter.on("e", fn);
    return () => emitter.emit("e", payload);
  },
  cycle(names, fns, order) {
    const emitter = createMitt();
    for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
    for (const i of order) emitter.off(names[i]!, fns[i]!);
  },
  churn(fns, extra, payload) {
    const emitter = createMitt();
    for (const fn of fns) emitter.on("e", fn);
    return async () => {
      emitter.on("e", extra);
      await emitter.emit("e", payload);
      emitter.off("e", extra);
      await emitter.emit("e", payload);
    };
  },
  async hold(names, fns) {
    const emitter = createMitt();
    for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
    for (const name of new Set(names)) await emitter.emit(name, 1);
    return emitter;
  },
};

const eventemitter3: Peer = {
  name: "eventemitter3",
  source: "npm:eventemitter3@5.0.4",
  listeners: plainListeners,
  emitter(fns, payload) {
    const emitter = new EventEmitter3();
    for (const fn of fns) emitter.on("e", fn);
    return () => emitter.emit("e", payload);
  },
  cycle(names, fns, order) {
    const emitter = new EventEmitter3();
    for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
    for (const i of order) emitter.off(names[i]!, fns[i]!);
  },
  churn(fns, extra, payload) {
    const emitter = new EventEmitter3();
    for (const fn of fns) emitter.on("e", fn);
    return async () => {
      emitter.on("e", extra);
      await emitter.emit("e", payload);
      emitter.off("e", extra);
      await emitter.emit("e", payload);
    };
  },
  async hold(names, fns) {
    const emitter = new EventEmitter3();
    for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
    for (const name of new Set(names)) await emitter.emit(name, 1);
    return emitter;
  },
};

const tseep: Peer = {
  name: "tseep",
  source: "npm:tseep@1.3.1",
  listeners: plainListeners,
  emitter(fns, payload) {
    const emitter = new Tseep();
    for (const fn of fns) emitter.on("e", fn);
    return () => emitter.emit("e", payload);
  },
  cycle(names, fns, order) {
    const emitter = new Tseep();
    for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
    for (const i of order) emitter.off(names[i]!, fns[i]!);
  },
  churn(fns, extra, payload) {
    const emitter = new Tseep();
    for (const fn of fns) emitter.on("e", fn);
    return async () => {
      emitter.on("e", extra);
      await emitter.emit("e", payload);
      emitter.off("e", extra);
      await emitter.emit("e", payload);
    };
  },
  async hold(names, fns) {
    const emitter = new Tseep();
    for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
    for (const name of new Set(names)) await emitter.emit(name, 1);
    return emitter;
  },
};

// The Web platform's own emitter: a listener reads `event.detail`, and each
// emit dispatches a new CustomEvent, which is how EventTarget is used.
const eventTarget: Peer = {
  name: "EventTarget",
  source: "built in",
  listeners(count, isAsync) {
    return Array.from(
      { length: count },
      isAsync ? asyncEventListener : syncEventListener,
    );
  },
  emitter(fns, payload) {
    const target = new EventTarget();
    for (const fn of fns) target.addEventListener("e", fn);
    return () =>
      target.dispatchEvent(new CustomEvent("e", { detail: payload }));
  },
  cycle(names, fns, order) {
    const target = new EventTarget();
    for (let i = 0; i < names.length; i++) {
      target.addEventListener(names[i]!, fns[i]!);
    }
    for (const i of order) target.removeEventListener(names[i]!, fns[i]!);
  },
  churn(fns, extra, payload) {
    const target = new EventTarget();
    for (const fn of fns) target.addEventListener("e", fn);
    return async () => {
      target.addEventListener("e", extra);
      await target.dispatchEvent(new CustomEvent("e", { detail: payload }));
      target.removeEventListener("e", extra);
      await target.dispatchEvent(new CustomEvent("e", { detail: payload }));
    };
  },
  async hold(names, fns) {
    const target = new EventTarget();
    for (let i = 0; i < names.length; i++) {
      target.addEventListener(names[i]!, fns[i]!);
    }
    for (const name of new Set(names)) {
      await target.dispatchEvent(new CustomEvent(name, { detail: 1 }));
    }
    return target;
  },
};

/** Every peer, this package first. */
export const PEERS: readonly Peer[] = [
  arcly,
  emittery,
  mittPeer,
  eventemitter3,
  tseep,
  eventTarget,
];

/** `count` distinct event names. */
export function spreadNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `event.${i}`);
}

/** `count` times the one hot event name. */
export function hotNames(count: number): string[] {
  return Array.from({ length: count }, () => "e");
}

/** A fixed pseudo-random permutation of `0..count-1` (Fisher-Yates, LCG). */
export function shuffled(count: number, seed = 42): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  let state = seed >>> 0;
  for (let i = count - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** `0..count-1` in order. */
export function inOrder(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
