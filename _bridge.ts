// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { EventBus } from "./bus.ts";
import type { Bridge, BridgeMessage, BridgeTransport } from "./bridge.ts";
import { describe, readOptions, readSignal } from "./_validate.ts";

/** An emit of a received message, while its listeners start. */
interface Delivery {
  readonly bus: object;
  readonly name: string;
  readonly payload: unknown;
}

// `EventBus.emit` starts its listeners synchronously, so a bridge listener
// called while this is set, for this bus, event and payload, is being called
// by the emit of a received message: it must not publish it again. It is
// shared by every bridge, so a message received by one bridge of a bus is not
// forwarded by its other bridges either (no loops through several
// transports). A local listener that synchronously re-emits the very event it
// received, with the identical payload, is not published either.
let delivering: Delivery | undefined;

const DISPOSE: typeof Symbol.dispose = Symbol.dispose ??
  Symbol.for("Symbol.dispose");
const ASYNC_DISPOSE: typeof Symbol.asyncDispose = Symbol.asyncDispose ??
  Symbol.for("Symbol.asyncDispose");

function defaultOnError(error: unknown): void {
  console.error("@arcly/bus bridge:", error);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

function readMessage(data: unknown): BridgeMessage | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (
    typeof message.origin !== "string" || typeof message.event !== "string" ||
    typeof message.seq !== "number" || !Number.isSafeInteger(message.seq) ||
    message.seq < 1
  ) {
    return undefined;
  }
  return message as unknown as BridgeMessage;
}

function readEvents(
  options: Record<string, unknown>,
  action: string,
): Set<string> | undefined {
  const events = options.events;
  if (events === undefined) return undefined;
  if (!Array.isArray(events)) {
    throw new TypeError(
      `${action}: options.events must be an array of event names, got ${
        describe(events)
      }`,
    );
  }
  for (const name of events) {
    if (typeof name !== "string") {
      throw new TypeError(
        `${action}: options.events must hold event names, got ${
          describe(name)
        }`,
      );
    }
  }
  return new Set(events);
}

/** Reads the options every bridge takes; shared with the transports. */
export function readBridgeOptions(
  options: unknown,
  action: string,
): {
  events: Set<string> | undefined;
  onError: (error: unknown) => void;
  signal: AbortSignal | undefined;
  rest: Record<string, unknown>;
} {
  const opts = readOptions(options, action);
  const signal = readSignal(opts, action);
  const events = readEvents(opts, action);
  const onError = opts.onError;
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(
      `${action}: options.onError must be a function, got ${describe(onError)}`,
    );
  }
  return {
    events,
    onError: (onError as ((error: unknown) => void) | undefined) ??
      defaultOnError,
    signal,
    rest: opts,
  };
}

class BusBridge implements Bridge {
  readonly origin: string = crypto.randomUUID();
  readonly ready: Promise<void>;
  #bus: EventBus<Record<string, unknown>>;
  #transport: BridgeTransport | undefined;
  #events: Set<string> | undefined;
  #onError: (error: unknown) => void;
  #signal: AbortSignal | undefined;
  #seq = 0;
  /** The last sequence number received from each publisher. */
  #last: Map<string, number> = new Map();
  #unsubscribe: (() => void) | undefined = undefined;
  #closing: Promise<void> | undefined = undefined;
  #onAbort = (): void => void this.close();
  #report = (error: unknown): void => {
    try {
      this.#onError(error);
    } catch (failure) {
      // The last resort: an onError that throws must not crash the
      // transport's callback, and what it threw must not vanish.
      defaultOnError(failure);
    }
  };

  constructor(
    bus: EventBus<Record<string, unknown>>,
    transport: BridgeTransport,
    events: Set<string> | undefined,
    onError: (error: unknown) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#bus = bus;
    this.#events = events;
    this.#onError = onError;
    if (signal?.aborted) {
      this.#closing = Promise.resolve();
      this.ready = Promise.resolve();
      return;
    }
    this.#transport = transport;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (events === undefined) {
      this.#unsubscribe = bus.subscribeAll((event) =>
        this.#publish(event.name, event.payload)
      );
    } else {
      const offs = [...events].map((name) =>
        bus.subscribe(name, (payload) => this.#publish(name, payload))
      );
      this.#unsubscribe = () => offs.forEach((off) => off());
    }
    let listening: void | PromiseLike<unknown>;
    try {
      listening = transport.listen(
        (data) => this.#receive(data),
        this.#report,
      );
    } catch (error) {
      listening = Promise.reject(error);
    }
    this.ready = Promise.resolve(listening).then(() => {}, (error) => {
      this.#report(error);
      throw error;
    });
    // Whoever ignores `ready` still sees the failure, through onError.
    this.ready.catch(() => {});
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #publish(name: string, payload: unknown): void {
    const delivery = delivering;
    if (
      delivery !== undefined && delivery.bus === this.#bus &&
      delivery.name === name && Object.is(delivery.payload, payload)
    ) {
      return;
    }
    const transport = this.#transport;
    if (transport === undefined || this.#closing !== undefined) return;
    const message: BridgeMessage = {
      origin: this.origin,
      seq: this.#seq + 1,
      event: name,
      payload,
    };
    let sent: void | PromiseLike<unknown>;
    try {
      sent = transport.send(message);
    } catch (error) {
      // A payload the transport cannot carry fails the emit that sent it.
      if (error instanceof TypeError) throw error;
      this.#seq++;
      this.#report(error);
      return;
    }
    this.#seq++;
    if (isThenable(sent)) Promise.resolve(sent).catch(this.#report);
  }

  #receive(data: unknown): void {
    if (this.#closing !== undefined) return;
    const message = readMessage(data);
    if (message === undefined) {
      this.#report(
        new TypeError(
          `Cannot receive a bridged event: expected an object with string origin, string event and positive integer seq, got ${
            describe(data)
          }`,
        ),
      );
      return;
    }
    const { origin, seq, event: name } = message;
    if (origin === this.origin) return;
    const last = this.#last.get(origin);
    if (last !== undefined) {
      // At most once, in order: a number seen already is a duplicate or late.
      if (seq <= last) return;
      if (seq > last + 1) {
        const missed = seq - last - 1;
        this.#report(
          new Error(
            `Missed ${missed} ${
              missed === 1 ? "event" : "events"
            } from bridge ${origin} (messages ${last + 1} to ${
              seq - 1
            }): the transport lost them`,
          ),
        );
      }
    }
    this.#last.set(origin, seq);
    if (this.#events !== undefined && !this.#events.has(name)) return;
    const payload = message.payload;
    const saved = delivering;
    delivering = { bus: this.#bus, name, payload };
    let done: Promise<void>;
    try {
      done = this.#bus.emit(name, payload);
    } finally {
      delivering = saved;
    }
    done.catch(this.#report);
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const transport = this.#transport!;
    let closed: void | PromiseLike<unknown>;
    try {
      closed = transport.close();
    } catch (error) {
      closed = Promise.reject(error);
    }
    this.#closing = Promise.resolve(closed).then(() => {}, this.#report);
    return this.#closing;
  }

  [DISPOSE](): void {
    void this.close();
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }
}

/** Builds a bridge from options already read; shared with the transports. */
export function createBridge<
  Events extends Record<keyof Events, unknown>,
>(
  bus: EventBus<Events>,
  transport: BridgeTransport,
  events: Set<string> | undefined,
  onError: (error: unknown) => void,
  signal: AbortSignal | undefined,
): Bridge {
  return new BusBridge(
    bus as unknown as EventBus<Record<string, unknown>>,
    transport,
    events,
    onError,
    signal,
  );
}

/** Throws unless `transport` has the methods of a `BridgeTransport`. */
export function checkTransport(transport: unknown, action: string): void {
  const t = transport as Partial<Record<string, unknown>> | null;
  if (
    typeof t !== "object" || t === null || typeof t.send !== "function" ||
    typeof t.listen !== "function" || typeof t.close !== "function"
  ) {
    throw new TypeError(
      `${action}: transport must be an object with send, listen and close methods, got ${
        describe(transport)
      }`,
    );
  }
}

/** Throws unless `bus` looks like an `EventBus`. */
export function checkBus(bus: unknown, action: string): void {
  const b = bus as Partial<Record<string, unknown>> | null;
  if (
    typeof b !== "object" || b === null || typeof b.emit !== "function" ||
    typeof b.subscribe !== "function" || typeof b.subscribeAll !== "function"
  ) {
    throw new TypeError(
      `${action}: bus must be an EventBus, got ${describe(bus)}`,
    );
  }
}
