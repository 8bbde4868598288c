// Copyright 2026 the arcly authors. MIT license.

/**
 * A plain, obviously correct model of `EventBus` (a map of ordered lists,
 * copied at every emit) and a runner that plays one scenario, a list of
 * commands, against the real bus and the model side by side, comparing
 * everything observable after every command: the listener calls in order,
 * `listenerCount`, every emit's outcome and what `onError` and `onEmit` saw,
 * every `waitFor`, every iterator read and buffer, the abort listeners each
 * signal holds. Test-only: excluded from the published package.
 *
 * It covers `subscribe`, `subscribeAll`, `subscribePattern` (once, signal,
 * function and object listeners), `emit` on both dispatch paths (a bus
 * without `onEmit` and a traced one), `emitSerial`, `waitFor`, `iterate` and
 * `iterateAll` (buffer size, each overflow policy, reads, `return()`, abort,
 * clear), unsubscribing, aborting and `clear`.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  type EmitInfo,
  EventBus,
  type EventBusOptions,
  type EventIterator,
  type IterateOptions,
  type OverflowPolicy,
  type SubscribeOptions,
  type Unsubscribe,
  type WaitForOptions,
} from "../mod.ts";
import {
  type CountingSignal,
  countingSignal,
  type Deferred,
  deferred,
  drainMicrotasks,
} from "../_test_util.ts";

/**
 * The events of the bus under test. `"a.x"` is matched by the pattern
 * `"a.*"`, `"a.x.y"` by `"a.*"` and `"a.x.*"`; `"a"` and `"b"` by none.
 */
export type EventKey = "a" | "b" | "a.x" | "a.x.y";
/** The patterns listeners subscribe to; `"b.*"` matches no event. */
export type Pattern = "a.*" | "a.x.*" | "b.*";
/** An event, a pattern, or `"*"` for `subscribeAll`. */
export type Target = EventKey | Pattern | "*";
/** What a listener does after its action, to settle its call. */
export type Behavior =
  | "sync" // returns undefined
  | "throw" // throws synchronously
  | "async" // returns a promise that resolves
  | "reject" // returns a promise that rejects
  | "pending" // returns a promise settled later by a `settle` command
  | "reemit"; // emits `reemit` (below MAX_DEPTH) and returns that emit's promise
/** What a listener does first, synchronously, while the emit is in flight. */
export type Action =
  | { do: "none" }
  | { do: "subscribe"; target: Target }
  | { do: "unsubscribe"; sub: number }
  | { do: "clear"; event: EventKey | null }
  | { do: "abort"; signal: number };
/** A listener to subscribe. */
export interface ListenerSpec {
  target: Target;
  form: "function" | "object";
  once: boolean;
  signal: number | null;
  behavior: Behavior;
  action: Action;
  reemit: EventKey;
}
/** The filter of a `waitFor`. */
export type Filter = "none" | "pass" | "even" | "throw";
/** One step of a scenario. */
export type Command =
  | { op: "subscribe"; spec: ListenerSpec }
  | { op: "wait"; event: EventKey; filter: Filter; signal: number | null }
  | { op: "unsubscribe"; sub: number; how: "call" | "dispose" }
  | { op: "abort"; signal: number }
  /** `serial`: `emitSerial` instead of `emit`. */
  | { op: "emit"; event: EventKey; serial?: boolean }
  | { op: "clear"; event: EventKey | null }
  | { op: "settle"; call: number; ok: boolean }
  /** `event: null`: `iterateAll`. */
  | {
    op: "iterate";
    event: EventKey | null;
    bufferSize: number;
    overflow: OverflowPolicy;
    signal: number | null;
  }
  | { op: "read"; it: number }
  | { op: "return"; it: number };
/** How the bus is built: without onError, with one that records, or with one that also throws for asynchronous failures. */
export type OnErrorMode = "none" | "record" | "throwSome";
/** Without onEmit (the plain emit path), with one that records, or with one that records and throws for odd emit ids. */
export type OnEmitMode = "none" | "record" | "throwSome";
/** A bus configuration and the commands to play on it. */
export interface Scenario {
  /** @default {"none"} */
  onError?: OnErrorMode;
  /** @default {"none"} */
  onEmit?: OnEmitMode;
  commands: Command[];
}

/** How many abort controllers a scenario can use. */
export const SIGNALS = 3;
/** Emits nested deeper than this (listeners re-emitting) are not made. */
export const MAX_DEPTH = 3;

const EVENTS: readonly EventKey[] = ["a", "b", "a.x", "a.x.y"];
const PATTERNS: readonly Pattern[] = ["a.*", "a.x.*", "b.*"];

/** An error or a value, reduced to plain data that `deepEqual` compares. */
export type Plain =
  | { agg: string; errors: Plain[] }
  | { error: string }
  | { value: string };
/** How a promise stands. */
export type Outcome = "pending" | { resolved: number | null } | {
  rejected: Plain;
};
/** How an iterator read stands. */
export type Read = "pending" | "done" | { value: string } | {
  rejected: Plain;
};
/** What onEmit received, as plain data. */
export interface Trace {
  name: string;
  listeners: number;
  errors: Plain[];
  serial: boolean;
}
/** Everything observable about a bus, as plain data. */
export interface Observation {
  /** Every listener call and filter call, in order. */
  log: string[];
  /** `listenerCount` of each event, and of the whole bus. */
  counts: Record<EventKey | "all", number>;
  /** The outcome of each emit, by emit id. */
  emits: Outcome[];
  /** The outcome of each waitFor, by wait id. */
  waits: Outcome[];
  /** What onError received for each emit, by emit id. */
  onError: { name: string; error: Plain }[][];
  /** What onEmit received for each emit, by emit id. */
  traces: Trace[][];
  /** The outcome of each iterator read, by read id. */
  reads: Read[];
  /** `buffered` of each iterator. */
  buffered: number[];
  /** Abort listeners held by each signal, or "aborted". */
  signals: (number | "aborted")[];
  /** The labels of listener calls still pending, in creation order. */
  pending: string[];
}

type Payload = { readonly id: number };
type Events = { a: Payload; b: Payload; "a.x": Payload; "a.x.y": Payload };

/** Reduces a value to {@linkcode Plain}. */
export function plain(value: unknown): Plain {
  if (value instanceof AggregateError) {
    return { agg: value.message, errors: value.errors.map(plain) };
  }
  if (value instanceof Error) return { error: value.message };
  return { value: String(value) };
}

function throwsFor(error: Plain): boolean {
  return "error" in error && /^[RP]/.test(error.error);
}

function onEmitThrowsFor(mode: OnEmitMode, id: number): boolean {
  return mode === "throwSome" && id % 2 === 1;
}

function isPattern(target: Target): target is Pattern {
  return target.endsWith(".*");
}

function matches(pattern: Pattern, name: string): boolean {
  const prefix = pattern.slice(0, -1);
  return name.length > prefix.length && name.startsWith(prefix);
}

function listenersWord(n: number): string {
  return `${n} ${n === 1 ? "listener" : "listeners"}`;
}

function errorsWord(n: number): string {
  return `${n} ${n === 1 ? "error" : "errors"}`;
}

function clearedMessage(name: string): string {
  return `Stopped waiting for ${JSON.stringify(name)}: the bus was cleared`;
}

function overflowMessage(event: EventKey | null, size: number): string {
  const label = event === null ? "every event" : JSON.stringify(event);
  return `Iterator of ${label} overflowed: its buffer of ${size} ${
    size === 1 ? "event" : "events"
  } was full`;
}

/** A listener that does nothing but log its calls. */
export const PLAIN_LISTENER: Omit<ListenerSpec, "target"> = {
  form: "function",
  once: false,
  signal: null,
  behavior: "sync",
  action: { do: "none" },
  reemit: "a",
};

/**
 * What the real bus and the model both record as it happens, and how both
 * play a command and a listener's action.
 */
abstract class Records {
  /** Every listener call and filter call, in order. */
  readonly log: string[] = [];
  /** The outcome of each waitFor, by wait id. */
  readonly waits: Outcome[] = [];
  /** What onError received for each emit, by emit id. */
  readonly onErrorLog: { name: string; error: Plain }[][] = [];
  /** What onEmit received for each emit, by emit id. */
  readonly traces: Trace[][] = [];
  /** The outcome of each iterator read, by read id. */
  readonly reads: Read[] = [];

  abstract subscribe(spec: ListenerSpec): void;
  abstract wait(event: EventKey, filter: Filter, signal: number | null): void;
  abstract unsubscribe(sub: number, how: "call" | "dispose"): void;
  abstract abort(signal: number): void;
  abstract emit(event: EventKey, serial: boolean, depth: number): unknown;
  abstract clear(event: EventKey | null): void;
  abstract settle(call: number, ok: boolean): void;
  abstract iterate(command: Extract<Command, { op: "iterate" }>): void;
  abstract read(it: number): void;
  abstract return(it: number): void;

  run(command: Command): void {
    switch (command.op) {
      case "subscribe":
        return this.subscribe(command.spec);
      case "wait":
        return this.wait(command.event, command.filter, command.signal);
      case "unsubscribe":
        return this.unsubscribe(command.sub, command.how);
      case "abort":
        return this.abort(command.signal);
      case "emit":
        void this.emit(command.event, command.serial === true, 1);
        return;
      case "clear":
        return this.clear(command.event);
      case "settle":
        return this.settle(command.call, command.ok);
      case "iterate":
        return this.iterate(command);
      case "read":
        return this.read(command.it);
      case "return":
        return this.return(command.it);
    }
  }

  act(action: Action): void {
    switch (action.do) {
      case "none":
        return;
      case "subscribe":
        return this.subscribe({ ...PLAIN_LISTENER, target: action.target });
      case "unsubscribe":
        return this.unsubscribe(action.sub, "call");
      case "clear":
        return this.clear(action.event);
      case "abort":
        return this.abort(action.signal);
    }
  }

  /** The parts of an observation that are copies of the records. */
  records(): Pick<
    Observation,
    "log" | "waits" | "onError" | "traces" | "reads"
  > {
    return {
      log: [...this.log],
      waits: [...this.waits],
      onError: this.onErrorLog.map((entries) => [...entries]),
      traces: this.traces.map((entries) => [...entries]),
      reads: [...this.reads],
    };
  }
}

/** The real bus, instrumented. */
class Real extends Records {
  readonly bus: EventBus<Events>;
  readonly handles: Unsubscribe[] = [];
  readonly payloads: Payload[] = [];
  /** The nesting depth of each emit, by emit id: 1 for a command's emit. */
  readonly depths: number[] = [];
  readonly emits: Outcome[] = [];
  readonly iterators: EventIterator<unknown>[] = [];
  readonly signals: CountingSignal[] = [];
  readonly pending: { label: string; call: Deferred<void>; done: boolean }[] =
    [];

  constructor(mode: OnErrorMode, traced: OnEmitMode) {
    super();
    for (let i = 0; i < SIGNALS; i++) this.signals.push(countingSignal());
    const options: EventBusOptions<Events> = {};
    if (mode !== "none") {
      options.onError = (error, event) => {
        const id = event.payload.id;
        const seen = plain(error);
        this.onErrorLog[id]!.push({ name: this.nameOf(event), error: seen });
        if (mode === "throwSome" && throwsFor(seen)) {
          throw new Error(`E:${(error as Error).message}`);
        }
      };
    }
    if (traced !== "none") {
      options.onEmit = (info: EmitInfo<Events>) => {
        const id = info.payload.id;
        assert.ok(Object.isFrozen(info), "onEmit info is frozen");
        assert.ok(info.duration >= 0 && typeof info.start === "number");
        this.traces[id]!.push({
          name: this.nameOf(info),
          listeners: info.listeners,
          errors: info.errors.map(plain),
          serial: info.serial,
        });
        if (onEmitThrowsFor(traced, id)) throw new Error(`O@${id}`);
      };
    }
    this.bus = new EventBus<Events>(options);
  }

  /** The event's name, marked when its payload is not the one emitted. */
  nameOf(event: { name: string; payload: Payload }): string {
    const same = event.payload === this.payloads[event.payload.id];
    return same ? event.name : `${event.name}!payload`;
  }

  override subscribe(spec: ListenerSpec): void {
    const id = this.handles.length;
    const impl = (arg: unknown): unknown => {
      let payload: Payload;
      let tag = "";
      if (spec.target === "*" || isPattern(spec.target)) {
        const event = arg as { name: string; payload: Payload };
        payload = event.payload;
        tag = `:${event.name}`;
      } else {
        payload = arg as Payload;
      }
      const emitId = payload.id;
      if (payload !== this.payloads[emitId]) tag += "!payload";
      this.log.push(`L${id}<${emitId}${tag}`);
      this.act(spec.action);
      switch (spec.behavior) {
        case "sync":
          return undefined;
        case "throw":
          throw new Error(`T${id}@${emitId}`);
        case "async":
          return (async () => {
            await null;
          })();
        case "reject":
          return (async () => {
            await null;
            throw new Error(`R${id}@${emitId}`);
          })();
        case "pending": {
          const call = deferred();
          this.pending.push({ label: `P${id}@${emitId}`, call, done: false });
          return call.promise;
        }
        case "reemit": {
          const depth = this.depths[emitId]!;
          return depth < MAX_DEPTH
            ? this.emit(spec.reemit, false, depth + 1)
            : undefined;
        }
      }
    };
    let listener: unknown = impl;
    if (spec.form === "object") {
      const object = {
        onEvent(this: unknown, arg: unknown): unknown {
          if (this !== object) throw new Error(`onEvent of L${id}: bad this`);
          return impl(arg);
        },
      };
      listener = object;
    }
    const options: SubscribeOptions = {};
    if (spec.once) options.once = true;
    if (spec.signal !== null) {
      options.signal = this.signals[spec.signal]!.signal;
    }
    const target = spec.target;
    this.handles.push(
      target === "*"
        ? this.bus.subscribeAll(listener as () => void, options)
        : isPattern(target)
        // "b.*" matches no event of the map: the typing would refuse it.
        ? this.bus.subscribePattern(
          target as "a.*",
          listener as () => void,
          options,
        )
        : this.bus.subscribe(target, listener as () => void, options),
    );
  }

  override wait(event: EventKey, filter: Filter, signal: number | null): void {
    const id = this.waits.length;
    this.waits.push("pending");
    const options: WaitForOptions<Payload> = {};
    if (filter !== "none") {
      options.filter = (payload) => {
        this.log.push(`W${id}<${payload.id}`);
        if (filter === "pass") return true;
        if (filter === "even") return payload.id % 2 === 0;
        throw new Error(`F${id}@${payload.id}`);
      };
    }
    if (signal !== null) options.signal = this.signals[signal]!.signal;
    this.bus.waitFor(event, options).then(
      (payload) => {
        this.waits[id] = {
          resolved: payload === this.payloads[payload.id] ? payload.id : -1,
        };
      },
      (error) => {
        this.waits[id] = { rejected: plain(error) };
      },
    );
  }

  override unsubscribe(sub: number, how: "call" | "dispose"): void {
    if (this.handles.length === 0) return;
    const handle = this.handles[sub % this.handles.length]!;
    if (how === "call") handle();
    else handle[Symbol.dispose]();
  }

  override abort(signal: number): void {
    this.signals[signal]!.controller.abort(new Error(`abort${signal}`));
  }

  override emit(
    event: EventKey,
    serial: boolean,
    depth: number,
  ): Promise<void> {
    const id = this.emits.length;
    const payload = Object.freeze({ id });
    this.payloads.push(payload);
    this.depths.push(depth);
    this.emits.push("pending");
    this.onErrorLog.push([]);
    this.traces.push([]);
    const done = serial
      ? this.bus.emitSerial(event, payload)
      : this.bus.emit(event, payload);
    done.then(
      () => {
        this.emits[id] = { resolved: null };
      },
      (error) => {
        this.emits[id] = { rejected: plain(error) };
      },
    );
    return done;
  }

  override clear(event: EventKey | null): void {
    if (event === null) this.bus.clear();
    else this.bus.clear(event);
  }

  override settle(call: number, ok: boolean): void {
    const open = this.pending.filter((p) => !p.done);
    if (open.length === 0) return;
    const chosen = open[call % open.length]!;
    chosen.done = true;
    if (ok) chosen.call.resolve();
    else chosen.call.reject(new Error(chosen.label));
  }

  iterate(
    command: Extract<Command, { op: "iterate" }>,
  ): void {
    const options: IterateOptions = {
      bufferSize: command.bufferSize,
      overflow: command.overflow,
    };
    if (command.signal !== null) {
      options.signal = this.signals[command.signal]!.signal;
    }
    this.iterators.push(
      command.event === null
        ? this.bus.iterateAll(options)
        : this.bus.iterate(command.event, options),
    );
  }

  override read(it: number): void {
    if (this.iterators.length === 0) return;
    const id = this.reads.length;
    this.reads.push("pending");
    this.iterators[it % this.iterators.length]!.next().then(
      (result) => {
        this.reads[id] = result.done
          ? "done"
          : { value: this.shown(result.value) };
      },
      (error) => {
        this.reads[id] = { rejected: plain(error) };
      },
    );
  }

  /** `"3"` for the payload of emit 3, `"a.x:3"` for an event of iterateAll. */
  shown(value: unknown): string {
    if ("name" in (value as object)) {
      const event = value as { name: string; payload: Payload };
      return `${this.nameOf(event)}:${event.payload.id}`;
    }
    const payload = value as Payload;
    return payload === this.payloads[payload.id]
      ? `${payload.id}`
      : `${payload.id}!payload`;
  }

  override return(it: number): void {
    if (this.iterators.length === 0) return;
    void this.iterators[it % this.iterators.length]!.return!();
  }

  observe(): Observation {
    const counts = { all: this.bus.listenerCount() } as Observation["counts"];
    for (const event of EVENTS) counts[event] = this.bus.listenerCount(event);
    return {
      ...this.records(),
      counts,
      emits: [...this.emits],
      buffered: this.iterators.map((it) => it.buffered),
      signals: this.signals.map((s) =>
        s.signal.aborted ? "aborted" : s.listeners()
      ),
      pending: this.pending.filter((p) => !p.done).map((p) => p.label),
    };
  }
}

/** The model of a `BufferedIterator`. */
interface ModelIterator {
  event: EventKey | null;
  size: number;
  overflow: OverflowPolicy;
  items: string[];
  /** Read ids waiting for a value. */
  waiters: number[];
  closed: boolean;
  failure: Plain | undefined;
}

interface ModelSub {
  alive: boolean;
  /** A once listener that has been called. */
  fired?: boolean;
  signal: number | null;
  /** Where it is subscribed. */
  target: Target;
  /** The listener's id (its handle's index), or -1 for a wait or iterator. */
  id: number;
  spec: ListenerSpec | undefined;
  wait: { id: number; event: EventKey; filter: Filter } | undefined;
  iterator: ModelIterator | undefined;
}

type ModelCall =
  | { kind: "done" }
  | { kind: "error"; error: Plain }
  | { kind: "pending"; label: string }
  | { kind: "emit"; id: number };

const DONE: ModelCall = { kind: "done" };

/** One emit: its snapshot and the calls made of it so far. */
interface ModelEmit {
  id: number;
  name: EventKey;
  depth: number;
  serial: boolean;
  /** The snapshot: each listener with its target and log tag. */
  queue: [ModelSub, Target, string][];
  calls: ModelCall[];
  outcome: Outcome | undefined;
}

/**
 * The model: for each event, pattern and `"*"` an ordered list of live
 * subscriptions; an emit copies the event's list, the matching patterns'
 * (merged in subscription order) and `"*"`'s, in that order, and walks the
 * copy, all at once or, for `emitSerial`, one call after the other settled.
 */
class Model extends Records {
  readonly mode: OnErrorMode;
  readonly traced: OnEmitMode;
  readonly topics: Map<Target, ModelSub[]> = new Map(
    [...EVENTS, ...PATTERNS, "*" as const].map((t) => [t, []]),
  );
  readonly subs: ModelSub[] = [];
  readonly emits: ModelEmit[] = [];
  readonly iterators: ModelIterator[] = [];
  readonly aborted: boolean[] = Array(SIGNALS).fill(false);
  readonly pending: { label: string; state: "pending" | "ok" | "fail" }[] = [];

  constructor(mode: OnErrorMode, traced: OnEmitMode) {
    super();
    this.mode = mode;
    this.traced = traced;
  }

  override run(command: Command): void {
    super.run(command);
    this.pump();
  }

  list(target: Target): ModelSub[] {
    return this.topics.get(target)!;
  }

  add(sub: ModelSub): void {
    if (sub.signal !== null && this.aborted[sub.signal]) return;
    sub.alive = true;
    this.list(sub.target).push(sub);
  }

  remove(sub: ModelSub): void {
    if (!sub.alive) return;
    sub.alive = false;
    const list = this.list(sub.target);
    list.splice(list.indexOf(sub), 1);
  }

  override subscribe(spec: ListenerSpec): void {
    const sub: ModelSub = {
      alive: false,
      signal: spec.signal,
      target: spec.target,
      id: this.subs.length,
      spec,
      wait: undefined,
      iterator: undefined,
    };
    this.subs.push(sub);
    this.add(sub);
  }

  override wait(event: EventKey, filter: Filter, signal: number | null): void {
    const id = this.waits.length;
    this.waits.push("pending");
    if (signal !== null && this.aborted[signal]) {
      this.waits[id] = { rejected: { error: `abort${signal}` } };
      return;
    }
    this.add({
      alive: false,
      signal,
      target: event,
      id: -1,
      spec: undefined,
      wait: { id, event, filter },
      iterator: undefined,
    });
  }

  override unsubscribe(index: number): void {
    if (this.subs.length === 0) return;
    this.remove(this.subs[index % this.subs.length]!);
  }

  override abort(signal: number): void {
    if (this.aborted[signal]) return;
    this.aborted[signal] = true;
    const reason = { error: `abort${signal}` };
    for (const list of this.topics.values()) {
      for (const sub of [...list]) {
        if (sub.signal !== signal) continue;
        this.remove(sub);
        if (sub.wait !== undefined) {
          this.waits[sub.wait.id] = { rejected: reason };
        }
        if (sub.iterator !== undefined) this.fail(sub.iterator, reason);
      }
    }
  }

  override clear(event: EventKey | null): void {
    const targets: Target[] = event === null ? [...this.topics.keys()] : [
      event,
    ];
    for (const target of targets) {
      for (const sub of this.list(target).splice(0)) {
        sub.alive = false;
        if (sub.wait !== undefined) {
          this.waits[sub.wait.id] = {
            rejected: { error: clearedMessage(sub.wait.event) },
          };
        }
        const it = sub.iterator;
        if (it !== undefined) {
          // Released: it ends after what it buffered.
          it.closed = true;
          for (const read of it.waiters.splice(0)) this.reads[read] = "done";
        }
      }
    }
  }

  override iterate(command: Extract<Command, { op: "iterate" }>): void {
    const it: ModelIterator = {
      event: command.event,
      size: command.bufferSize,
      overflow: command.overflow,
      items: [],
      waiters: [],
      closed: false,
      failure: undefined,
    };
    this.iterators.push(it);
    const signal = command.signal;
    if (signal !== null && this.aborted[signal]) {
      it.closed = true;
      it.failure = { error: `abort${signal}` };
      return;
    }
    this.add({
      alive: false,
      signal,
      target: command.event ?? "*",
      id: -1,
      spec: undefined,
      wait: undefined,
      iterator: it,
    });
  }

  /** Stops an iterator's subscription (it is closed from then on). */
  stop(it: ModelIterator): void {
    it.closed = true;
    for (const list of this.topics.values()) {
      const sub = list.find((s) => s.iterator === it);
      if (sub !== undefined) this.remove(sub);
    }
  }

  fail(it: ModelIterator, error: Plain): void {
    this.stop(it);
    it.items = [];
    const first = it.waiters.shift();
    if (first === undefined) it.failure = error;
    else this.reads[first] = { rejected: error };
    for (const read of it.waiters.splice(0)) this.reads[read] = "done";
  }

  push(it: ModelIterator, value: string): void {
    if (it.closed) return;
    const waiter = it.waiters.shift();
    if (waiter !== undefined) {
      this.reads[waiter] = { value };
    } else if (it.items.length < it.size) {
      it.items.push(value);
    } else if (it.overflow === "drop-oldest") {
      it.items.shift();
      it.items.push(value);
    } else if (it.overflow === "error") {
      this.fail(it, { error: overflowMessage(it.event, it.size) });
    }
  }

  override read(index: number): void {
    if (this.iterators.length === 0) return;
    const it = this.iterators[index % this.iterators.length]!;
    const id = this.reads.length;
    this.reads.push("pending");
    if (it.items.length > 0) {
      this.reads[id] = { value: it.items.shift()! };
    } else if (it.failure !== undefined) {
      this.reads[id] = { rejected: it.failure };
      it.failure = undefined;
    } else if (it.closed) {
      this.reads[id] = "done";
    } else {
      it.waiters.push(id);
    }
  }

  override return(index: number): void {
    if (this.iterators.length === 0) return;
    const it = this.iterators[index % this.iterators.length]!;
    this.stop(it);
    it.items = [];
    it.failure = undefined;
    for (const read of it.waiters.splice(0)) this.reads[read] = "done";
  }

  override emit(name: EventKey, serial: boolean, depth: number): number {
    const id = this.emits.length;
    const tag = `:${name}`;
    const patterns = PATTERNS.filter((p) => matches(p, name))
      .flatMap((p) => this.list(p))
      .sort((x, y) => x.id - y.id);
    const queue: ModelEmit["queue"] = [
      ...this.list(name).map((s): [ModelSub, Target, string] => [s, name, ""]),
      ...patterns.map((s): [ModelSub, Target, string] => [s, s.target, tag]),
      ...this.list("*").map((s): [ModelSub, Target, string] => [s, "*", tag]),
    ];
    const emit: ModelEmit = {
      id,
      name,
      depth,
      serial,
      queue,
      calls: [],
      outcome: undefined,
    };
    this.emits.push(emit);
    this.onErrorLog.push([]);
    this.traces.push([]);
    if (serial) this.advance(emit);
    else for (const [sub, , t] of queue) emit.calls.push(this.call(sub, id, t));
    return id;
  }

  /** Makes the calls of a serial emit up to the first one not yet settled. */
  advance(emit: ModelEmit): boolean {
    let progressed = false;
    while (emit.calls.length < emit.queue.length) {
      const last = emit.calls.at(-1);
      if (last !== undefined && !this.settled(last)) break;
      const [sub, , tag] = emit.queue[emit.calls.length]!;
      emit.calls.push(this.call(sub, emit.id, tag));
      progressed = true;
    }
    return progressed;
  }

  /** Lets every serial emit go on as far as it can. */
  pump(): void {
    let again = true;
    while (again) {
      again = false;
      for (const emit of this.emits) {
        if (emit.serial && this.advance(emit)) again = true;
      }
    }
  }

  settled(call: ModelCall): boolean {
    switch (call.kind) {
      case "done":
      case "error":
        return true;
      case "pending":
        return this.pending.find((p) => p.label === call.label)!.state !==
          "pending";
      case "emit":
        return this.outcome(call.id) !== "pending";
    }
  }

  call(sub: ModelSub, emitId: number, tag: string): ModelCall {
    const wait = sub.wait;
    if (wait !== undefined) {
      if (!sub.alive) return DONE;
      if (wait.filter !== "none") {
        this.log.push(`W${wait.id}<${emitId}`);
        if (wait.filter === "even" && emitId % 2 !== 0) return DONE;
        if (wait.filter === "throw") {
          this.remove(sub);
          this.waits[wait.id] = {
            rejected: { error: `F${wait.id}@${emitId}` },
          };
          return DONE;
        }
      }
      this.remove(sub);
      this.waits[wait.id] = { resolved: emitId };
      return DONE;
    }
    if (sub.iterator !== undefined) {
      this.push(
        sub.iterator,
        tag === "" ? `${emitId}` : `${tag.slice(1)}:${emitId}`,
      );
      return DONE;
    }
    const spec = sub.spec!;
    if (spec.once) {
      // A once listener runs at its first turn in any snapshot holding it,
      // even when it was unsubscribed after that snapshot (rule 3), and
      // never again.
      if (sub.fired) return DONE;
      sub.fired = true;
      this.remove(sub);
    }
    this.log.push(`L${sub.id}<${emitId}${tag}`);
    this.act(spec.action);
    switch (spec.behavior) {
      case "sync":
      case "async":
        return DONE;
      case "throw":
        return { kind: "error", error: { error: `T${sub.id}@${emitId}` } };
      case "reject":
        return { kind: "error", error: { error: `R${sub.id}@${emitId}` } };
      case "pending": {
        const label = `P${sub.id}@${emitId}`;
        this.pending.push({ label, state: "pending" });
        return { kind: "pending", label };
      }
      case "reemit": {
        const depth = this.emits[emitId]!.depth;
        return depth < MAX_DEPTH
          ? { kind: "emit", id: this.emit(spec.reemit, false, depth + 1) }
          : DONE;
      }
    }
  }

  override settle(call: number, ok: boolean): void {
    const open = this.pending.filter((p) => p.state === "pending");
    if (open.length === 0) return;
    open[call % open.length]!.state = ok ? "ok" : "fail";
  }

  /**
   * An emit settles once all its calls have (a serial one once it made the
   * last); then onError sees its errors, then onEmit its trace.
   */
  outcome(id: number): Outcome {
    const emit = this.emits[id]!;
    if (emit.outcome !== undefined) return emit.outcome;
    if (emit.calls.length < emit.queue.length) return "pending";
    const errors: Plain[] = [];
    for (const call of emit.calls) {
      if (call.kind === "error") errors.push(call.error);
      else if (call.kind === "pending") {
        const state = this.pending.find((p) => p.label === call.label)!.state;
        if (state === "pending") return "pending";
        if (state === "fail") errors.push({ error: call.label });
      } else if (call.kind === "emit") {
        const inner = this.outcome(call.id);
        if (inner === "pending") return "pending";
        if ("rejected" in inner) errors.push(inner.rejected);
      }
    }
    let failure = this.report(id, errors);
    if (this.traced !== "none") {
      this.traces[id]!.push({
        name: emit.name,
        listeners: emit.queue.length,
        errors,
        serial: emit.serial,
      });
      if (onEmitThrowsFor(this.traced, id)) {
        const thrown = { error: `O@${id}` };
        failure = failure === undefined ? thrown : {
          agg: `onEmit threw while tracing a failed emit of ${
            JSON.stringify(emit.name)
          }`,
          errors: [failure, thrown],
        };
      }
    }
    emit.outcome = failure === undefined
      ? { resolved: null }
      : { rejected: failure };
    return emit.outcome;
  }

  /** What an emit with these listener errors fails with, after onError. */
  report(id: number, errors: Plain[]): Plain | undefined {
    if (errors.length === 0) return undefined;
    const name = JSON.stringify(this.emits[id]!.name);
    if (this.mode === "none") {
      return {
        agg: `${listenersWord(errors.length)} of ${name} failed`,
        errors,
      };
    }
    const thrown: Plain[] = [];
    for (const error of errors) {
      this.onErrorLog[id]!.push({ name: this.emits[id]!.name, error });
      if (this.mode === "throwSome" && throwsFor(error)) {
        thrown.push({ error: `E:${(error as { error: string }).error}` });
      }
    }
    if (thrown.length === 0) return undefined;
    return {
      agg: `onError threw while handling ${
        errorsWord(errors.length)
      } of ${name}`,
      errors: thrown,
    };
  }

  observe(): Observation {
    const emits = this.emits.map((_, id) => this.outcome(id));
    const alive = [...this.topics.values()].flat();
    const counts = { all: alive.length } as Observation["counts"];
    for (const event of EVENTS) counts[event] = this.list(event).length;
    return {
      ...this.records(),
      counts,
      emits,
      buffered: this.iterators.map((it) => it.items.length),
      signals: this.aborted.map((aborted, signal) =>
        aborted ? "aborted" : alive.filter((s) => s.signal === signal).length
      ),
      pending: this.pending.filter((p) => p.state === "pending").map((p) =>
        p.label
      ),
    };
  }
}

/**
 * Plays a scenario on a real bus and on the model, and throws an
 * `AssertionError` at the first command after which anything observable
 * differs. Every pending listener call is resolved at the end, so every
 * emit settles and is compared too.
 */
export async function runScenario(scenario: Scenario): Promise<void> {
  const mode = scenario.onError ?? "none";
  const traced = scenario.onEmit ?? "none";
  const real = new Real(mode, traced);
  const model = new Model(mode, traced);
  const compare = async (step: string) => {
    await drainMicrotasks();
    assert.deepEqual(real.observe(), model.observe(), step);
  };
  for (const [i, command] of scenario.commands.entries()) {
    real.run(command);
    model.run(command);
    await compare(`after command ${i}: ${JSON.stringify(command)}`);
  }
  while (real.pending.some((p) => !p.done)) {
    real.settle(0, true);
    model.settle(0, true);
    model.pump();
    await compare("after resolving a listener call left pending");
  }
}

// Weighted towards the events patterns match and towards few distinct
// targets, so that listeners meet emits often.
const eventKey = fc.constantFrom<EventKey>(
  "a",
  "a",
  "b",
  "a.x",
  "a.x",
  "a.x.y",
);
const target = fc.constantFrom<Target>(
  "a",
  "a",
  "b",
  "a.x",
  "a.x.y",
  "a.*",
  "a.*",
  "a.x.*",
  "a.x.*",
  "b.*",
  "*",
  "*",
);
const signalIndex = fc.integer({ min: 0, max: SIGNALS - 1 });
const maybeSignal: fc.Arbitrary<number | null> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: signalIndex },
);
const maybeEvent: fc.Arbitrary<EventKey | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: eventKey },
);

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Action>({ do: "none" }) },
  {
    weight: 1,
    arbitrary: fc.record({ do: fc.constant("subscribe" as const), target }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constant("unsubscribe" as const),
      sub: fc.nat(63),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant("clear" as const),
      event: maybeEvent,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant("abort" as const),
      signal: signalIndex,
    }),
  },
);

const listenerSpec: fc.Arbitrary<ListenerSpec> = fc.record({
  target,
  form: fc.constantFrom("function" as const, "object" as const),
  once: fc.boolean(),
  signal: maybeSignal,
  behavior: fc.constantFrom<Behavior>(
    "sync",
    "throw",
    "async",
    "reject",
    "pending",
    "reemit",
  ),
  action,
  reemit: eventKey,
});

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("subscribe" as const),
      spec: listenerSpec,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("wait" as const),
      event: eventKey,
      filter: fc.constantFrom<Filter>("none", "pass", "even", "throw"),
      signal: maybeSignal,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("unsubscribe" as const),
      sub: fc.nat(63),
      how: fc.constantFrom("call" as const, "dispose" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("abort" as const),
      signal: signalIndex,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("emit" as const),
      event: eventKey,
      serial: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("clear" as const),
      event: maybeEvent,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("settle" as const),
      call: fc.nat(15),
      ok: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("iterate" as const),
      event: maybeEvent,
      bufferSize: fc.integer({ min: 1, max: 3 }),
      overflow: fc.constantFrom<OverflowPolicy>(
        "drop-oldest",
        "drop-newest",
        "error",
      ),
      signal: maybeSignal,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("read" as const), it: fc.nat(7) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("return" as const), it: fc.nat(7) }),
  },
);

/** Random scenarios: a bus configuration and up to 40 commands. */
export const scenarios: fc.Arbitrary<Scenario> = fc.record({
  onError: fc.constantFrom<OnErrorMode>("none", "record", "throwSome"),
  onEmit: fc.constantFrom<OnEmitMode>("none", "none", "record", "throwSome"),
  commands: fc.array(command, { minLength: 1, maxLength: 40, size: "medium" }),
});

export { fc };
