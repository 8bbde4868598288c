// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Call } from "./_topic.ts";
import { isThenable } from "./_util.ts";
import type { Delivery } from "./types.ts";

/**
 * What one emit is still waiting for and the errors it collected, each with
 * the position of its listener so they can be reported in subscription order
 * whatever order they happened in.
 */
export class Join {
  pending = 0;
  /** Called when `pending` drops to zero after `wait`. */
  #onIdle: (() => void) | undefined = undefined;
  #indexes: number[] = [];
  #errors: unknown[] = [];
  #sorted = true;
  #settleOne = (): void => {
    if (--this.pending === 0) this.#onIdle?.();
  };

  fail(index: number, error: unknown): void {
    const last = this.#indexes.length - 1;
    if (last >= 0 && this.#indexes[last]! > index) this.#sorted = false;
    this.#indexes.push(index);
    this.#errors.push(error);
  }

  track(index: number, thenable: PromiseLike<unknown>): void {
    // Promise.resolve adopts foreign thenables safely: their callbacks run
    // once, asynchronously, however badly `then` behaves.
    Promise.resolve(thenable).then(this.#settleOne, (error) => {
      this.fail(index, error);
      this.#settleOne();
    });
    this.pending++;
  }

  /** The errors collected so far, in listener order. */
  errors(): unknown[] {
    if (this.#sorted) return this.#errors;
    const indexes = this.#indexes;
    const errors = this.#errors;
    return indexes.map((_, i) => i)
      .sort((a, b) => indexes[a]! - indexes[b]!)
      .map((i) => errors[i]);
  }

  /** Settles once nothing is pending, with what `report` makes of the errors. */
  wait(report: (errors: unknown[]) => unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#onIdle = () => {
        const failure = report(this.errors());
        if (failure === undefined) resolve();
        else reject(failure);
      };
    });
  }
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
  for (let i = 0; i < calls.length; i++) {
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
