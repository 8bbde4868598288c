// Copyright 2026 the arcly authors. MIT license.

/**
 * The floor: a minimal async bus to measure the package against. A `Set`
 * per event and an array of it rebuilt on the first emit after a change;
 * `emit` starts every listener synchronously, then waits for the thenables
 * they returned with a countdown, and rejects with an `AggregateError` of
 * the errors, in the order they happened (about 40 lines).
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type Fn = (payload: any) => unknown;

interface Topic {
  set: Set<Fn>;
  list: Fn[] | undefined;
}

const done: Promise<void> = Promise.resolve();

/** The reference bus of the "floor" rows. */
export class FloorBus {
  #topics = new Map<string, Topic>();

  /** Adds `fn` to `name`; returns the function that removes it. */
  subscribe(name: string, fn: Fn): () => void {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = { set: new Set(), list: undefined };
      this.#topics.set(name, topic);
    }
    topic.set.add(fn);
    topic.list = undefined;
    return () => {
      if (!topic.set.delete(fn)) return;
      topic.list = undefined;
      if (topic.set.size === 0) this.#topics.delete(name);
    };
  }

  /** Starts every listener of `name`, then waits for all of them. */
  emit(name: string, payload: unknown): Promise<void> {
    const topic = this.#topics.get(name);
    if (topic === undefined) return done;
    const list = topic.list ??= [...topic.set];
    let join: Join | undefined;
    for (let i = 0; i < list.length; i++) {
      try {
        const result = list[i]!(payload) as PromiseLike<unknown> | undefined;
        if (typeof result?.then === "function") {
          join ??= new Join();
          join.pending++;
          result.then(join.fulfilled, join.rejected);
        }
      } catch (error) {
        ((join ??= new Join()).errors ??= []).push(error);
      }
    }
    if (join === undefined) return done;
    return new Promise((resolve, reject) => {
      join.settle = () => {
        const { errors } = join;
        if (errors === undefined) resolve();
        else reject(new AggregateError(errors, "Listeners failed"));
      };
      if (join.pending === 0) join.settle();
    });
  }
}

/** A countdown of the thenables one emit waits for, and their errors. */
class Join {
  pending = 0;
  errors: unknown[] | undefined = undefined;
  settle: (() => void) | undefined = undefined;
  fulfilled = (): void => {
    if (--this.pending === 0) this.settle?.();
  };
  rejected = (error: unknown): void => {
    (this.errors ??= []).push(error);
    this.fulfilled();
  };
}
