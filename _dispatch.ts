// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { fanOut, type Finish, Join, RESOLVED } from "./_fan_out.ts";
import { settled } from "./_observe.ts";
import type { Registry } from "./_registry.ts";
import { runSerial } from "./_serial.ts";
import { type Call, Topic } from "./_topic.ts";
import { invalid, quote } from "./_validate.ts";
import type { AnyEvent, Delivery, EmitInfo } from "./types.ts";

/** The delivery of every plain emit. */
export const LOCAL: Delivery = Object.freeze({ local: true });

/**
 * What an emit does with one group of listeners: `calls`, each called with
 * `arg` and `delivery`, the first being listener number `offset` of the emit.
 */
export type Run<S> = (
  calls: readonly Call[],
  arg: unknown,
  delivery: Delivery,
  offset: number,
  state: S,
) => S;

/**
 * The listener order of every emit, written only here: the event's own
 * listeners with the payload, then pattern listeners, then listeners of
 * every event, both with a frozen `{ name, payload }`; each group in
 * subscription order. Every snapshot is read before `run` sees any group, so
 * a listener that changes the registry cannot change what this emit calls.
 */
export function walk<S>(
  registry: Registry,
  name: string,
  payload: unknown,
  delivery: Delivery,
  run: Run<S>,
  state: S,
): S {
  const own = registry.snapshot(name);
  const matched = registry.patternSnapshot(name);
  const every = registry.everySnapshot();
  if (own === undefined && matched === undefined && every === undefined) {
    return state;
  }
  // While listeners run, nothing changes the snapshots read above in place:
  // one more walk is counted, and the count read first is put back after.
  // Put back, not decremented: an emit then does not read its own write
  // again (a count raised and lowered cost an emit of one listener about
  // 10%). No try/finally: it cost an emit of one listener 15%; a count left
  // raised would only make changes drop snapshots instead of updating them.
  const walking = registry.walking++;
  if (own !== undefined) state = run(own, payload, delivery, 0, state);
  if (matched !== undefined || every !== undefined) {
    const event = Object.freeze({ name, payload });
    let offset = own?.length ?? 0;
    if (matched !== undefined) {
      state = run(matched, event, delivery, offset, state);
      offset += matched.length;
    }
    if (every !== undefined) state = run(every, event, delivery, offset, state);
  }
  registry.walking = walking;
  return state;
}

/** The promise of an emit whose name is not a string. */
export function rejectName(name: unknown): Promise<never> {
  return Promise.reject(invalid("Cannot emit", "event name", "a string", name));
}

type AnyInfo = EmitInfo<Record<string, unknown>>;
type OnError = (
  error: unknown,
  event: AnyEvent<Record<string, unknown>>,
) => void;

/** Runs the emits of one bus against its registry. */
export class Dispatcher {
  readonly #registry: Registry;
  readonly #onError: OnError | undefined;
  readonly #onEmit: ((info: AnyInfo) => void) | undefined;
  /**
   * A plain emit. Every listener starts synchronously, before it returns:
   * `EventBus.emit` documents this, and the echo suppression of `bridge.ts`
   * relies on it.
   *
   * A closure, made of one function literal for every bus, which `EventBus`
   * installs as its own `emit` (so it works detached): V8 inlines it where a
   * call site sees several buses, and it reaches the topics through its
   * context, with no second call into a method of the dispatcher. Being an
   * own property costs loads a prototype method does not; the last topic
   * below pays them back for an emit of the same event again (see
   * docs/design.md).
   */
  readonly emit: (name: string, payload: unknown) => Promise<void>;

  constructor(
    registry: Registry,
    onError: OnError | undefined,
    onEmit: ((info: AnyInfo) => void) | undefined,
  ) {
    this.#registry = registry;
    this.#onError = onError;
    this.#onEmit = onEmit;
    const topics = registry.topics;
    const finish: Finish = (errors, name, payload) =>
      this.#report(errors, name, payload);
    // The last event emitted that had own listeners, and its topic: an emit
    // of the same event again skips the Map lookup (an emit of one listener
    // 15% faster where a call site sees several buses). A topic in the Map
    // always has a subscription, and one that lost its last has left the Map
    // for good (Registry `remove`), so a topic with a subscription is the
    // current one of its name. The first topic is a stand-in without any.
    let lastName = "";
    let last = new Topic("");
    this.emit = (name, payload) => {
      if (typeof name !== "string") return rejectName(name);
      if (onEmit !== undefined) {
        return this.dispatch(name, payload, LOCAL, false);
      }
      let join: Join | undefined;
      if (registry.ownOnly) {
        // No pattern or every-event listener: the walk is the event's own
        // group alone, called here directly (an emit of 0 listeners 30%
        // faster). emit_order_test.ts asserts the order on both branches.
        let topic: Topic | undefined = last;
        if (name !== lastName || topic.size === 0) {
          topic = topics.get(name);
          if (topic === undefined) return RESOLVED;
          lastName = name;
          last = topic;
        }
        const own = topic.snapshot();
        const walking = registry.walking++;
        join = fanOut(own, payload, LOCAL, 0, undefined);
        registry.walking = walking;
      } else {
        join = walk(registry, name, payload, LOCAL, fanOut, undefined);
      }
      if (join === undefined) return RESOLVED;
      return join.settle(finish, name, payload);
    };
  }

  /**
   * Every other emit: traced (`onEmit`), serial, or received by a bridge.
   * The same snapshots, order and errors as `emit`.
   */
  dispatch(
    name: string,
    payload: unknown,
    delivery: Delivery,
    serial: boolean,
  ): Promise<void> {
    const onEmit = this.#onEmit;
    const start = onEmit === undefined ? 0 : performance.now();
    let listeners = 0;
    const groups: [readonly Call[], unknown][] = [];
    const join = walk<Join | undefined>(
      this.#registry,
      name,
      payload,
      delivery,
      (calls, arg, _, offset, join) => {
        listeners += calls.length;
        if (!serial) return fanOut(calls, arg, delivery, offset, join);
        // A serial run outlives the walk, and snapshots change in place
        // between emits: it takes copies.
        groups.push([calls.slice(), arg]);
        return join;
      },
      undefined,
    );
    const finish = (errors: unknown[]): unknown => {
      settled(delivery, errors);
      const failure = this.#report(errors, name, payload);
      if (onEmit === undefined) return failure;
      // When onEmit throws, the emit settles with what it threw, joined
      // with the failure when there was one, so no error is lost.
      try {
        onEmit(
          Object.freeze({
            name,
            payload,
            listeners,
            start,
            duration: performance.now() - start,
            errors: Object.freeze(errors.slice()),
            serial,
          }) as AnyInfo,
        );
        return failure;
      } catch (error) {
        if (failure === undefined) return error;
        return new AggregateError(
          [failure, error],
          `onEmit threw while tracing a failed emit of ${quote(name)}`,
        );
      }
    };
    if (serial) {
      return runSerial(groups, delivery).then((errors) => {
        const failure = finish(errors);
        if (failure !== undefined) throw failure;
      });
    }
    return (join ?? new Join()).settle(
      finish,
      name,
      payload,
      onEmit !== undefined,
    );
  }

  /**
   * What an emit settles with for its listener errors: `undefined` when there
   * are none or `onError` took them all, else an `AggregateError`.
   */
  #report(errors: unknown[], name: string, payload: unknown): unknown {
    if (errors.length === 0) return undefined;
    const onError = this.#onError;
    if (onError === undefined) {
      return new AggregateError(
        errors,
        `${errors.length} ${
          errors.length === 1 ? "listener" : "listeners"
        } of ${quote(name)} failed`,
      );
    }
    const event = Object.freeze({ name, payload });
    const thrown: unknown[] = [];
    for (const error of errors) {
      try {
        onError(error, event);
      } catch (failure) {
        thrown.push(failure);
      }
    }
    if (thrown.length === 0) return undefined;
    return new AggregateError(
      thrown,
      `onError threw while handling ${errors.length} ${
        errors.length === 1 ? "error" : "errors"
      } of ${quote(name)}`,
    );
  }
}
