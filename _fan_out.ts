// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Call } from "./_topic.ts";
import type { Delivery } from "./types.ts";

/**
 * What an emit settles with, given the errors of its listeners in listener
 * order: `undefined` to resolve, anything else to reject with.
 */
export type Finish = (
  errors: unknown[],
  name: string,
  payload: unknown,
) => unknown;

/** The promise of every emit that has nothing to wait for. */
export const RESOLVED: Promise<void> = Promise.resolve();

function toUndefined(): undefined {
  return undefined;
}

/** Throws what `finish` returned, unless `undefined`. */
function rethrow(failure: unknown): void {
  if (failure !== undefined) throw failure;
}

/** The join that `settle` is creating the promise of (see `capture`). */
let waiting: Join;

/** One executor for every join's promise: no closure per emit. */
function capture(
  resolve: () => void,
  reject: (reason: unknown) => void,
): void {
  waiting.resolve = resolve;
  waiting.reject = reject;
}

/** Always true: `filter` with it copies an array without its holes. */
function present(): boolean {
  return true;
}

/**
 * What one emit is waiting for and the errors it collected. `fanOut` only
 * records: the thenables and the synchronous errors, each at the position of
 * its listener in an array with holes for the other listeners. `settle` then
 * waits for the thenables with a countdown whose two handlers are shared by
 * all of them, and reports the errors in listener order whatever order they
 * happened in.
 */
export class Join {
  /** The thenables, at the index of their listener. */
  #tracked: unknown[] = [];
  /** The synchronous errors, at the index of their listener. */
  #failed: unknown[] | undefined;
  /** Thenables tracked, then, while `settle` waits, not settled yet. */
  #pending = 0;
  /** How many of the thenables rejected. */
  #rejected = 0;
  /** The reason the last of them rejected with. */
  #reason: unknown;
  resolve: (() => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
  #finish: Finish | undefined;
  #name = "";
  #payload: unknown;

  track(index: number, thenable: PromiseLike<unknown>): void {
    this.#tracked[index] = thenable;
    this.#pending++;
  }

  fail(index: number, error: unknown): void {
    (this.#failed ??= [])[index] = error;
  }

  /**
   * The promise of the emit: resolved at once when its listeners were all
   * synchronous and none failed; for one thenable and no error, that
   * thenable with `finish` on rejection (no countdown); else a countdown
   * over every thenable. `finish` is called for an emit without errors too,
   * except on the one-thenable path unless `always`.
   */
  settle(
    finish: Finish,
    name: string,
    payload: unknown,
    always = false,
  ): Promise<void> {
    const tracked = this.#tracked;
    if (this.#pending === 0) {
      const failure = finish(errorsOf(this.#failed), name, payload);
      return failure === undefined ? RESOLVED : Promise.reject(failure);
    }
    if (this.#pending === 1 && this.#failed === undefined) {
      // The one thenable is the last element.
      const last = tracked[tracked.length - 1] as PromiseLike<unknown>;
      return Promise.resolve(last).then(
        always ? () => rethrow(finish([], name, payload)) : toUndefined,
        (error) => rethrow(finish([error], name, payload)),
      );
    }
    return this.#wait(finish, name, payload);
  }

  /** The countdown: kept out of `settle`, which V8 inlines into emit. */
  #wait(finish: Finish, name: string, payload: unknown): Promise<void> {
    const tracked = this.#tracked;
    this.#finish = finish;
    this.#name = name;
    this.#payload = payload;
    // Two handlers for every thenable of the emit, made here: an emit that
    // waits for one thenable or none makes neither.
    const fulfilled = (): void => {
      if (--this.#pending === 0) this.#done();
    };
    const rejected = (reason: unknown): void => {
      this.#rejected++;
      this.#reason = reason;
      fulfilled();
    };
    for (let i = 0; i < tracked.length; i++) {
      const thenable = tracked[i] as PromiseLike<unknown> | undefined;
      // A hole: that listener returned no thenable.
      if (thenable === undefined) continue;
      // Promise.resolve adopts foreign thenables safely: their callbacks
      // run once, asynchronously, however badly `then` behaves. The
      // adopted promise replaces the thenable, for `#done`.
      const promise = Promise.resolve(thenable);
      tracked[i] = promise;
      promise.then(fulfilled, rejected);
    }
    waiting = this;
    return new Promise(capture);
  }

  #done(): void {
    const failed = this.#failed;
    if (
      this.#rejected === 0 || (failed === undefined && this.#rejected === 1)
    ) {
      // Nothing to order: the synchronous errors are in listener order.
      this.#settle(this.#rejected === 0 ? errorsOf(failed) : [this.#reason]);
      return;
    }
    // Several errors, some of them rejections: which listener each came
    // from is known only by asking the settled promises again (a hole is
    // undefined to them, so fulfilled).
    Promise.allSettled(this.#tracked).then((results) => {
      const errors = failed ?? [];
      results.forEach((result, i) => {
        if (result.status === "rejected") errors[i] = result.reason;
      });
      this.#settle(errorsOf(errors));
    });
  }

  #settle(errors: unknown[]): void {
    let failure: unknown;
    try {
      failure = this.#finish!(errors, this.#name, this.#payload);
    } catch (error) {
      failure = error;
    }
    if (failure === undefined) this.resolve!();
    else this.reject!(failure);
  }
}

/** The errors of `failed`, in order, without its holes. */
function errorsOf(failed: unknown[] | undefined): unknown[] {
  return failed === undefined ? [] : failed.filter(present);
}

/**
 * Whether a value is something to wait for: an object with a `then` method.
 *
 * Declared here, beside `fanOut`, not imported: V8 folds a call to a
 * function of the same module into the listener loop, but through an import
 * binding it reads and checks the binding again for every listener, which
 * made each sync listener of an emit 20-40% slower.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * Starts every call in order, synchronously, and records what each one did:
 * a synchronous throw is an error, a returned thenable is tracked. The join is
 * created only when some call failed or returned a thenable, so a fully
 * synchronous emit allocates nothing here.
 */
export function fanOut(
  calls: readonly Call[],
  arg: unknown,
  delivery: Delivery,
  offset: number,
  join: Join | undefined,
): Join | undefined {
  // The length read once: 8-10% faster with 10 listeners than reading it
  // on each turn.
  const length = calls.length;
  for (let i = 0; i < length; i++) {
    // Called through a local so `this` is undefined, not the internal array.
    const call = calls[i]!;
    try {
      const result = call(arg, delivery);
      if (isThenable(result)) (join ??= new Join()).track(offset + i, result);
    } catch (error) {
      (join ??= new Join()).fail(offset + i, error);
    }
  }
  return join;
}
