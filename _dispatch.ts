// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { fanOut, type Finish, Join, RESOLVED } from "./_fan_out.ts";
import { settled } from "./_observe.ts";
import type { Registry } from "./_registry.ts";
import { runSerial } from "./_serial.ts";
import type { Call } from "./_topic.ts";
import { quote } from "./_validate.ts";
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
  // While listeners run, nothing changes the snapshots read above in place.
  // No try/finally (it cost an emit of one listener 15%): only a stack
  // overflow inside `run` skips the decrement, and a count left too high
  // only makes changes drop snapshots instead of updating them.
  registry.walking++;
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
  registry.walking--;
  return state;
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
  /** What a plain emit settles with: one function for every emit. */
  readonly #finish: Finish = (errors, name, payload) =>
    this.#report(errors, name, payload);

  constructor(
    registry: Registry,
    onError: OnError | undefined,
    onEmit: ((info: AnyInfo) => void) | undefined,
  ) {
    this.#registry = registry;
    this.#onError = onError;
    this.#onEmit = onEmit;
  }

  /**
   * A plain emit. Every listener starts synchronously, before it returns:
   * `EventBus.emit` documents this, and the echo suppression of `bridge.ts`
   * relies on it.
   */
  emit(name: string, payload: unknown): Promise<void> {
    // Kept short, for V8 to inline it.
    if (this.#onEmit !== undefined) {
      return this.dispatch(name, payload, LOCAL, false);
    }
    const registry = this.#registry;
    let join: Join | undefined;
    if (registry.ownOnly) {
      // No pattern or every-event listener: the walk is the event's own
      // group alone, called here directly (an emit of 0 listeners 30%
      // faster). emit_order_test.ts asserts the order on both branches.
      const own = registry.snapshot(name);
      if (own === undefined) return RESOLVED;
      registry.walking++;
      join = fanOut(own, payload, LOCAL, 0, undefined);
      registry.walking--;
    } else {
      join = walk(registry, name, payload, LOCAL, fanOut, undefined);
    }
    if (join === undefined) return RESOLVED;
    return join.settle(this.#finish, name, payload);
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
