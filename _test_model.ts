// Copyright 2026 the arcly authors. MIT license.

/**
 * A plain, obviously correct model of `EventBus` (a map of ordered lists,
 * copied at every emit) and a runner that plays one scenario, a list of
 * commands, against the real bus and the model side by side, comparing
 * everything observable after every command. Test-only: excluded from the
 * published package.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  EventBus,
  type EventBusOptions,
  type SubscribeOptions,
  type Unsubscribe,
  type WaitForOptions,
} from "./mod.ts";
import {
  type CountingSignal,
  countingSignal,
  type Deferred,
  deferred,
  drainMicrotasks,
} from "./_test_util.ts";

/** The events of the bus under test. */
export type EventKey = "a" | "b";
/** An event, or `"*"` for `subscribeAll`. */
export type Target = EventKey | "*";
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
  | { op: "emit"; event: EventKey }
  | { op: "clear"; event: EventKey | null }
  | { op: "settle"; call: number; ok: boolean };
/** How the bus is built: without onError, with one that records, or with one that also throws for asynchronous failures. */
export type OnErrorMode = "none" | "record" | "throwSome";
/** A bus configuration and the commands to play on it. */
export interface Scenario {
  onError: OnErrorMode;
  commands: Command[];
}

/** How many abort controllers a scenario can use. */
export const SIGNALS = 3;
/** Emits nested deeper than this (listeners re-emitting) are not made. */
export const MAX_DEPTH = 3;

/** An error or a value, reduced to plain data that `deepEqual` compares. */
export type Plain =
  | { agg: string; errors: Plain[] }
  | { error: string }
  | { value: string };
/** How a promise stands. */
export type Outcome = "pending" | { resolved: number | null } | {
  rejected: Plain;
};
/** Everything observable about a bus, as plain data. */
export interface Observation {
  /** Every listener call and filter call, in order. */
  log: string[];
  counts: { a: number; b: number; all: number };
  /** The outcome of each emit, by emit id. */
  emits: Outcome[];
  /** The outcome of each waitFor, by wait id. */
  waits: Outcome[];
  /** What onError received for each emit, by emit id. */
  onError: { name: string; error: Plain }[][];
  /** Abort listeners held by each signal, or "aborted". */
  signals: (number | "aborted")[];
  /** The labels of listener calls still pending, in creation order. */
  pending: string[];
}

type Payload = { readonly id: number };
type Events = { a: Payload; b: Payload };

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

function listenersWord(n: number): string {
  return `${n} ${n === 1 ? "listener" : "listeners"}`;
}

function errorsWord(n: number): string {
  return `${n} ${n === 1 ? "error" : "errors"}`;
}

function clearedMessage(name: string): string {
  return `Stopped waiting for ${JSON.stringify(name)}: the bus was cleared`;
}

const PLAIN_LISTENER: Omit<ListenerSpec, "target"> = {
  form: "function",
  once: false,
  signal: null,
  behavior: "sync",
  action: { do: "none" },
  reemit: "a",
};

/** The real bus, instrumented. */
class Real {
  readonly bus: EventBus<Events>;
  readonly log: string[] = [];
  readonly handles: Unsubscribe[] = [];
  readonly payloads: Payload[] = [];
  readonly emits: Outcome[] = [];
  readonly waits: Outcome[] = [];
  readonly onErrorLog: { name: string; error: Plain }[][] = [];
  readonly signals: CountingSignal[] = [];
  readonly pending: { label: string; call: Deferred<void>; done: boolean }[] =
    [];
  depth = 0;

  constructor(mode: OnErrorMode) {
    for (let i = 0; i < SIGNALS; i++) this.signals.push(countingSignal());
    const options: EventBusOptions<Events> = {};
    if (mode !== "none") {
      options.onError = (error, event) => {
        const id = event.payload.id;
        const seen = plain(error);
        const sameEvent = event.payload === this.payloads[id];
        this.onErrorLog[id]!.push({
          name: sameEvent ? event.name : `${event.name}!payload`,
          error: seen,
        });
        if (mode === "throwSome" && throwsFor(seen)) {
          throw new Error(`E:${(error as Error).message}`);
        }
      };
    }
    this.bus = new EventBus<Events>(options);
  }

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
        void this.emit(command.event);
        return;
      case "clear":
        return this.clear(command.event);
      case "settle":
        return this.settle(command.call, command.ok);
    }
  }

  subscribe(spec: ListenerSpec): void {
    const id = this.handles.length;
    const impl = (arg: unknown): unknown => {
      let payload: Payload;
      let tag = "";
      if (spec.target === "*") {
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
        case "reemit":
          return this.depth < MAX_DEPTH ? this.emit(spec.reemit) : undefined;
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
    this.handles.push(
      spec.target === "*"
        ? this.bus.subscribeAll(listener as () => void, options)
        : this.bus.subscribe(spec.target, listener as () => void, options),
    );
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

  wait(event: EventKey, filter: Filter, signal: number | null): void {
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

  unsubscribe(sub: number, how: "call" | "dispose"): void {
    if (this.handles.length === 0) return;
    const handle = this.handles[sub % this.handles.length]!;
    if (how === "call") handle();
    else handle[Symbol.dispose]();
  }

  abort(signal: number): void {
    this.signals[signal]!.controller.abort(new Error(`abort${signal}`));
  }

  emit(event: EventKey): Promise<void> {
    const id = this.emits.length;
    const payload = Object.freeze({ id });
    this.payloads.push(payload);
    this.emits.push("pending");
    this.onErrorLog.push([]);
    this.depth++;
    let done: Promise<void>;
    try {
      done = this.bus.emit(event, payload);
    } finally {
      this.depth--;
    }
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

  clear(event: EventKey | null): void {
    if (event === null) this.bus.clear();
    else this.bus.clear(event);
  }

  settle(call: number, ok: boolean): void {
    const open = this.pending.filter((p) => !p.done);
    if (open.length === 0) return;
    const chosen = open[call % open.length]!;
    chosen.done = true;
    if (ok) chosen.call.resolve();
    else chosen.call.reject(new Error(chosen.label));
  }

  observe(): Observation {
    return {
      log: [...this.log],
      counts: {
        a: this.bus.listenerCount("a"),
        b: this.bus.listenerCount("b"),
        all: this.bus.listenerCount(),
      },
      emits: [...this.emits],
      waits: [...this.waits],
      onError: this.onErrorLog.map((entries) => [...entries]),
      signals: this.signals.map((s) =>
        s.signal.aborted ? "aborted" : s.listeners()
      ),
      pending: this.pending.filter((p) => !p.done).map((p) => p.label),
    };
  }
}

interface ModelSub {
  alive: boolean;
  /** A once listener that has been called. */
  fired?: boolean;
  signal: number | null;
  /** The listener's id (its handle's index), or -1 for a wait. */
  id: number;
  spec: ListenerSpec | undefined;
  wait: { id: number; event: EventKey; filter: Filter } | undefined;
}

type ModelCall =
  | { kind: "done" }
  | { kind: "error"; error: Plain }
  | { kind: "pending"; label: string }
  | { kind: "emit"; id: number };

const DONE: ModelCall = { kind: "done" };

/**
 * The model: for each event an ordered list of live subscriptions; an emit
 * copies the list and walks the copy. Nothing else.
 */
class Model {
  readonly mode: OnErrorMode;
  readonly topics: Map<Target, ModelSub[]> = new Map([
    ["a", []],
    ["b", []],
    ["*", []],
  ]);
  readonly subs: ModelSub[] = [];
  readonly log: string[] = [];
  readonly emits: {
    name: EventKey;
    calls: ModelCall[];
    outcome: Outcome | undefined;
  }[] = [];
  readonly waits: Outcome[] = [];
  readonly onErrorLog: { name: string; error: Plain }[][] = [];
  readonly aborted: boolean[] = Array(SIGNALS).fill(false);
  readonly pending: { label: string; state: "pending" | "ok" | "fail" }[] = [];
  depth = 0;

  constructor(mode: OnErrorMode) {
    this.mode = mode;
  }

  run(command: Command): void {
    switch (command.op) {
      case "subscribe":
        return this.subscribe(command.spec);
      case "wait":
        return this.wait(command.event, command.filter, command.signal);
      case "unsubscribe":
        return this.unsubscribe(command.sub);
      case "abort":
        return this.abort(command.signal);
      case "emit":
        this.emit(command.event);
        return;
      case "clear":
        return this.clear(command.event);
      case "settle":
        return this.settle(command.call, command.ok);
    }
  }

  list(target: Target): ModelSub[] {
    return this.topics.get(target)!;
  }

  add(target: Target, sub: ModelSub): void {
    if (sub.signal !== null && this.aborted[sub.signal]) return;
    sub.alive = true;
    this.list(target).push(sub);
  }

  remove(target: Target, sub: ModelSub): void {
    if (!sub.alive) return;
    sub.alive = false;
    const list = this.list(target);
    list.splice(list.indexOf(sub), 1);
  }

  subscribe(spec: ListenerSpec): void {
    const sub: ModelSub = {
      alive: false,
      signal: spec.signal,
      id: this.subs.length,
      spec,
      wait: undefined,
    };
    this.subs.push(sub);
    this.add(spec.target, sub);
  }

  wait(event: EventKey, filter: Filter, signal: number | null): void {
    const id = this.waits.length;
    this.waits.push("pending");
    if (signal !== null && this.aborted[signal]) {
      this.waits[id] = { rejected: { error: `abort${signal}` } };
      return;
    }
    this.add(event, {
      alive: false,
      signal,
      id: -1,
      spec: undefined,
      wait: { id, event, filter },
    });
  }

  unsubscribe(index: number): void {
    if (this.subs.length === 0) return;
    const sub = this.subs[index % this.subs.length]!;
    this.remove(sub.spec!.target, sub);
  }

  abort(signal: number): void {
    if (this.aborted[signal]) return;
    this.aborted[signal] = true;
    for (const [target, list] of this.topics) {
      for (const sub of [...list]) {
        if (sub.signal !== signal) continue;
        this.remove(target, sub);
        if (sub.wait !== undefined) {
          this.waits[sub.wait.id] = { rejected: { error: `abort${signal}` } };
        }
      }
    }
  }

  clear(event: EventKey | null): void {
    const targets: Target[] = event === null ? ["a", "b", "*"] : [event];
    for (const target of targets) {
      for (const sub of this.list(target).splice(0)) {
        sub.alive = false;
        if (sub.wait !== undefined) {
          this.waits[sub.wait.id] = {
            rejected: { error: clearedMessage(sub.wait.event) },
          };
        }
      }
    }
  }

  emit(name: EventKey): number {
    const id = this.emits.length;
    const calls: ModelCall[] = [];
    this.emits.push({ name, calls, outcome: undefined });
    this.onErrorLog.push([]);
    this.depth++;
    const own = [...this.list(name)];
    const every = [...this.list("*")];
    for (const sub of own) calls.push(this.call(sub, id, name, ""));
    for (const sub of every) calls.push(this.call(sub, id, "*", `:${name}`));
    this.depth--;
    return id;
  }

  call(sub: ModelSub, emitId: number, target: Target, tag: string): ModelCall {
    const wait = sub.wait;
    if (wait !== undefined) {
      if (!sub.alive) return DONE;
      if (wait.filter !== "none") {
        this.log.push(`W${wait.id}<${emitId}`);
        if (wait.filter === "even" && emitId % 2 !== 0) return DONE;
        if (wait.filter === "throw") {
          this.remove(target, sub);
          this.waits[wait.id] = {
            rejected: { error: `F${wait.id}@${emitId}` },
          };
          return DONE;
        }
      }
      this.remove(target, sub);
      this.waits[wait.id] = { resolved: emitId };
      return DONE;
    }
    const spec = sub.spec!;
    if (spec.once) {
      // A once listener runs at its first turn in any snapshot holding it,
      // even when it was unsubscribed after that snapshot (rule 3), and
      // never again.
      if (sub.fired) return DONE;
      sub.fired = true;
      this.remove(target, sub);
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
      case "reemit":
        return this.depth < MAX_DEPTH
          ? { kind: "emit", id: this.emit(spec.reemit) }
          : DONE;
    }
  }

  act(action: Action): void {
    switch (action.do) {
      case "none":
        return;
      case "subscribe":
        return this.subscribe({ ...PLAIN_LISTENER, target: action.target });
      case "unsubscribe":
        return this.unsubscribe(action.sub);
      case "clear":
        return this.clear(action.event);
      case "abort":
        return this.abort(action.signal);
    }
  }

  settle(call: number, ok: boolean): void {
    const open = this.pending.filter((p) => p.state === "pending");
    if (open.length === 0) return;
    open[call % open.length]!.state = ok ? "ok" : "fail";
  }

  /** An emit settles once all its calls have; then onError sees its errors. */
  outcome(id: number): Outcome {
    const emit = this.emits[id]!;
    if (emit.outcome !== undefined) return emit.outcome;
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
    let outcome: Outcome = { resolved: null };
    if (errors.length > 0 && this.mode === "none") {
      outcome = {
        rejected: {
          agg: `${listenersWord(errors.length)} of ${
            JSON.stringify(emit.name)
          } failed`,
          errors,
        },
      };
    } else if (errors.length > 0) {
      const thrown: Plain[] = [];
      for (const error of errors) {
        this.onErrorLog[id]!.push({ name: emit.name, error });
        if (this.mode === "throwSome" && throwsFor(error)) {
          thrown.push({ error: `E:${(error as { error: string }).error}` });
        }
      }
      if (thrown.length > 0) {
        outcome = {
          rejected: {
            agg: `onError threw while handling ${
              errorsWord(errors.length)
            } of ${JSON.stringify(emit.name)}`,
            errors: thrown,
          },
        };
      }
    }
    emit.outcome = outcome;
    return outcome;
  }

  observe(): Observation {
    const emits = this.emits.map((_, id) => this.outcome(id));
    const alive = [...this.topics.values()].flat();
    return {
      log: [...this.log],
      counts: {
        a: this.list("a").length,
        b: this.list("b").length,
        all: alive.length,
      },
      emits,
      waits: [...this.waits],
      onError: this.onErrorLog.map((entries) => [...entries]),
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
  const real = new Real(scenario.onError);
  const model = new Model(scenario.onError);
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
    await compare("after resolving a listener call left pending");
  }
}

const target = fc.constantFrom<Target>("a", "b", "*");
const eventKey = fc.constantFrom<EventKey>("a", "b");
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
    arbitrary: fc.record({ op: fc.constant("emit" as const), event: eventKey }),
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
);

/** Random scenarios: a bus configuration and up to 40 commands. */
export const scenarios: fc.Arbitrary<Scenario> = fc.record({
  onError: fc.constantFrom<OnErrorMode>("none", "record", "throwSome"),
  commands: fc.array(command, { minLength: 1, maxLength: 40 }),
});

export { fc };
