// Copyright 2026 the arcly authors. MIT license.

/**
 * The driver of one implementation: its listeners, the code that drives it
 * through its own idiomatic API, and the loops that time it.
 *
 * V8 keeps type feedback per function literal (per closure created from it
 * in one outer scope), so a driver shared by several implementations would
 * see all of them at every call site, and whichever ran first would get the
 * best machine code. `_impls.ts` therefore imports this module once per
 * implementation, under its own URL (`./_driver.ts?impl=mitt`), which makes
 * a separate module instance with its own closures and feedback; only the
 * peer picked by `createDriver` is ever run in an instance.
 *
 * @module
 */

import Emittery from "npm:emittery@2.2.0";
import mitt from "npm:mitt@3.0.1";
import { EventEmitter as EventEmitter3 } from "npm:eventemitter3@5.0.4";
import { EventEmitter as Tseep } from "npm:tseep@1.3.1";
import type { EventBus } from "../mod.ts";
import { FloorBus } from "./_floor.ts";

/** A listener as the peer's API takes it. */
// deno-lint-ignore no-explicit-any
export type Fn = (arg: any) => any;

/** Runs an operation `n` times; timed by the caller. */
export type Runner = (n: number) => unknown;

/** One implementation, driven through its own API. */
export interface Driver {
  /** Distinct listeners in the form this implementation calls them. */
  listeners(count: number, isAsync: boolean): Fn[];
  /** `n` emits of `"e"` with `count` listeners, each awaited or not. */
  emit(count: number, isAsync: boolean, awaited: boolean): Runner;
  /**
   * `n` churn steps on an event with `count` listeners: subscribe one more,
   * await an emit, unsubscribe it, await an emit.
   */
  churn(count: number): Runner;
  /**
   * `n` cycles: subscribe `fns[i]` to `names[i]` for every i on a fresh
   * emitter, then unsubscribe them in the order `order` gives.
   */
  cycle(
    names: readonly string[],
    fns: readonly Fn[],
    order: readonly number[],
  ): Runner;
  /**
   * Subscribes `fns[i]` to `names[i]`, emits every name once, and returns
   * everything a caller keeps to unsubscribe later (the emitter included).
   */
  hold(names: readonly string[], fns: readonly Fn[]): Promise<unknown>;
  /** An emitter with `count` sync listeners and its emit, not awaited. */
  emitter(count: number): () => unknown;
}

/** The part of each peer written for it: the rest is shared below. */
interface Peer {
  listener(isAsync: boolean): () => Fn;
  emitter(fns: readonly Fn[], payload: number): () => unknown;
  cycle(
    names: readonly string[],
    fns: readonly Fn[],
    order: readonly number[],
  ): void;
  churn(fns: readonly Fn[], extra: Fn, payload: number): () => Promise<void>;
  hold(names: readonly string[], fns: readonly Fn[]): Promise<unknown>;
}

/**
 * Listener bodies. Each listener adds the payload to a counter of its own,
 * as independent listeners do; a counter shared by all of them would let
 * code that calls them in straight-line order merge their work.
 */
function plainListener(isAsync: boolean): () => Fn {
  return isAsync
    ? () => {
      const state = { total: 0 };
      // deno-lint-ignore require-await
      return async (n: number) => {
        state.total += n;
      };
    }
    : () => {
      const state = { total: 0 };
      return (n: number) => {
        state.total += n;
      };
    };
}

/** Emittery 2 calls listeners with `{ name, data }`. */
function dataListener(isAsync: boolean): () => Fn {
  return isAsync
    ? () => {
      const state = { total: 0 };
      // deno-lint-ignore require-await
      return async (event: { data: number }) => {
        state.total += event.data;
      };
    }
    : () => {
      const state = { total: 0 };
      return (event: { data: number }) => {
        state.total += event.data;
      };
    };
}

/** EventTarget listeners read `event.detail`. */
function eventListener(isAsync: boolean): () => Fn {
  return isAsync
    ? () => {
      const state = { total: 0 };
      // deno-lint-ignore require-await
      return async (event: CustomEvent<number>) => {
        state.total += event.detail;
      };
    }
    : () => {
      const state = { total: 0 };
      return (event: CustomEvent<number>) => {
        state.total += event.detail;
      };
    };
}

/** What this package and the floor share: `subscribe` returns the handle. */
interface HandleBus {
  subscribe(name: string, fn: Fn): () => void;
  emit(name: string, payload: number): Promise<void>;
}

/**
 * A peer whose `subscribe` returns the unsubscribe handle: this package,
 * its control copy and the floor. Called once per driver instance, for the
 * one implementation that instance runs.
 */
function handles(create: () => HandleBus): Peer {
  return {
    listener: plainListener,
    emitter(fns, payload) {
      const bus = create();
      for (const fn of fns) bus.subscribe("e", fn);
      return () => bus.emit("e", payload);
    },
    cycle(names, fns, order) {
      const bus = create();
      const offs = names.map((name, i) => bus.subscribe(name, fns[i]!));
      for (const i of order) offs[i]!();
    },
    churn(fns, extra, payload) {
      const bus = create();
      for (const fn of fns) bus.subscribe("e", fn);
      return async () => {
        const off = bus.subscribe("e", extra);
        await bus.emit("e", payload);
        off();
        await bus.emit("e", payload);
      };
    },
    async hold(names, fns) {
      const bus = create();
      const offs = names.map((name, i) => bus.subscribe(name, fns[i]!));
      for (const name of new Set(names)) await bus.emit(name, 1);
      return [bus, offs];
    },
  };
}

const emittery: Peer = {
  listener: dataListener,
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

/** The `on`/`off`/`emit` API that mitt, eventemitter3 and tseep share. */
interface OnOff {
  on(name: string, fn: Fn): unknown;
  off(name: string, fn: Fn): unknown;
  emit(name: string, payload: number): unknown;
}

/**
 * A peer with an `on`/`off` API. Called once per driver instance, for the
 * one peer that instance runs, so its closures see that peer only.
 */
function onOff(create: () => OnOff): Peer {
  return {
    listener: plainListener,
    emitter(fns, payload) {
      const emitter = create();
      for (const fn of fns) emitter.on("e", fn);
      return () => emitter.emit("e", payload);
    },
    cycle(names, fns, order) {
      const emitter = create();
      for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
      for (const i of order) emitter.off(names[i]!, fns[i]!);
    },
    churn(fns, extra, payload) {
      const emitter = create();
      for (const fn of fns) emitter.on("e", fn);
      return async () => {
        emitter.on("e", extra);
        await emitter.emit("e", payload);
        emitter.off("e", extra);
        await emitter.emit("e", payload);
      };
    },
    async hold(names, fns) {
      const emitter = create();
      for (let i = 0; i < names.length; i++) emitter.on(names[i]!, fns[i]!);
      for (const name of new Set(names)) await emitter.emit(name, 1);
      return emitter;
    },
  };
}

// The Web platform's own emitter: each emit dispatches a new CustomEvent,
// which is how EventTarget is used.
const eventTarget: Peer = {
  listener: eventListener,
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

function pick(impl: string, bus: typeof EventBus | undefined): Peer {
  switch (impl) {
    case "@arcly/bus":
    case "control":
    case "base":
      if (bus === undefined) throw new TypeError(`${impl} needs its EventBus`);
      return handles(() => new bus<Record<string, number>>());
    case "floor":
      return handles(() => new FloorBus());
    case "emittery":
      return emittery;
    case "mitt":
      // mitt's default export is typed for CommonJS interop.
      return onOff(mitt as unknown as () => OnOff);
    case "eventemitter3":
      return onOff(() => new EventEmitter3());
    case "tseep":
      return onOff(() => new Tseep());
    case "EventTarget":
      return eventTarget;
  }
  throw new RangeError(`Cannot drive "${impl}": no such implementation`);
}

/**
 * The driver of `impl`. Call it once per module instance: the instance's
 * closures then only ever see that implementation.
 */
export function createDriver(
  impl: string,
  bus?: typeof EventBus,
): Driver {
  const peer = pick(impl, bus);
  const listeners = (count: number, isAsync: boolean): Fn[] =>
    Array.from({ length: count }, peer.listener(isAsync));
  return {
    listeners,
    emit(count, isAsync, awaited) {
      const emit = peer.emitter(listeners(count, isAsync), 1);
      return awaited
        ? async (n) => {
          for (let i = 0; i < n; i++) await emit();
        }
        : (n) => {
          let last: unknown;
          for (let i = 0; i < n; i++) last = emit();
          return last;
        };
    },
    churn(count) {
      const step = peer.churn(
        listeners(count, false),
        listeners(1, false)[0]!,
        1,
      );
      return async (n) => {
        for (let i = 0; i < n; i++) await step();
      };
    },
    cycle: (names, fns, order) => (n) => {
      for (let i = 0; i < n; i++) peer.cycle(names, fns, order);
    },
    hold: (names, fns) => peer.hold(names, fns),
    emitter: (count) => peer.emitter(listeners(count, false), 1),
  };
}
