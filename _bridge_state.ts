// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// What the bridges of one bus share, on the bus under
// `Symbol.for(STATE_KEY)`: the recent-id window, the publishers' positions
// and the tracking of lost ones.

import { randomId } from "./_bridge_protocol.ts";
import { quote } from "./_validate.ts";

/** Where a bus keeps the state its bridges share. */
// Versioned with the protocol and with this state's methods: bridges that
// share it must agree on both.
const STATE_KEY = "@arcly/bus.bridges.v2";
/** The most publishers a bus tracks positions of (least recent dropped). */
const MAX_PUBLISHERS = 1024;
/** The most gap ranges tracked per publisher. */
export const MAX_GAPS = 16;

/** The bridge that receives a publisher's messages and reports its losses. */
export interface Reporter {
  /** How long a missing position may take before it counts as lost. */
  readonly lossTimeout: number;
  /** Reports an error to the bridge's `onError`. */
  report(error: unknown): void;
  /** Reports positions `first` to `last` of `origin` as lost. */
  lost(origin: string, first: number, last: number, why: string): void;
}

/** A set that remembers between `size` and `2 * size` recent entries. */
class RecentSet {
  #size: number;
  #current: Set<string> = new Set();
  #previous: Set<string> = new Set();
  constructor(size: number) {
    this.#size = size;
  }
  /**
   * Whether `key` is new among the recent entries; it is one of them from
   * now on. One lookup in each set: the add tells whether it was there.
   */
  fresh(key: string): boolean {
    if (this.#previous.has(key)) return false;
    const current = this.#current;
    const size = current.size;
    if (current.add(key).size === size) return false;
    if (size + 1 >= this.#size) {
      this.#previous = current;
      this.#current = new Set();
    }
    return true;
  }
}

/** A missing range of positions, `from` to `to`, due at `due`. */
interface Gap {
  from: number;
  to: number;
  due: number;
}

/** What a bus knows of one publisher. */
interface Stream {
  /** The publisher's origin. */
  origin: string;
  /** The highest position seen (or learned). */
  high: number;
  /** Positions missing below `high`, oldest first. */
  gaps: Gap[];
  /** A position out of the window, waiting for confirmation. */
  jump: number | undefined;
  /** The bridge that reports this publisher's losses. */
  reporter: Reporter;
}

/**
 * What the bridges of one bus share: the ids of recent events (to drop
 * duplicates), the positions of publishers (to report losses), the origins
 * of its own bridges (to drop its own messages) and the id of the emit being
 * published (so every bridge gives one emit one id). It lives on the bus
 * under `Symbol.for(STATE_KEY)`, so bridges of another copy of this library
 * share it too.
 */
export class BusState {
  readonly own: Set<string> = new Set();
  readonly window: number;
  #ids: RecentSet;
  #current: Map<string, Stream> = new Map();
  #previous: Map<string, Stream> = new Map();
  #eventIds: WeakMap<object, string> = new WeakMap();
  #gapped: Set<Stream> = new Set();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Infinity;

  constructor(window: number) {
    this.window = window;
    this.#ids = new RecentSet(window);
  }

  /**
   * Whether event `id` is new: not among the last `window` to `2 * window`
   * ids. It is remembered from now on.
   */
  fresh(id: string): boolean {
    return this.#ids.fresh(id);
  }

  /** The id of one emit: the same for every bridge of the bus. */
  idFor(event: object): string {
    if (this.own.size === 1) return randomId();
    let id = this.#eventIds.get(event);
    if (id === undefined) {
      id = randomId();
      this.#eventIds.set(event, id);
    }
    return id;
  }

  detach(origin: string): void {
    this.own.delete(origin);
    if (this.own.size > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
    this.#gapped.clear();
    this.#current.clear();
    this.#previous.clear();
  }

  #stream(origin: string): Stream | undefined {
    const stream = this.#current.get(origin);
    if (stream !== undefined) return stream;
    const old = this.#previous.get(origin);
    if (old !== undefined) {
      this.#previous.delete(origin);
      this.#remember(origin, old);
    }
    return old;
  }

  #remember(origin: string, stream: Stream): void {
    if (this.#current.size >= MAX_PUBLISHERS / 2) {
      for (const dropped of this.#previous.values()) {
        this.#gapped.delete(dropped);
      }
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(origin, stream);
  }

  /** Accounts for position `seq` of `origin`, received by `bridge`. */
  see(
    bridge: Reporter,
    origin: string,
    seq: number,
    heartbeat: boolean,
  ): void {
    const stream = this.#stream(origin);
    if (stream === undefined) {
      // A new publisher: its position is learned, nothing before is lost.
      this.#remember(origin, {
        origin,
        high: seq,
        gaps: [],
        jump: undefined,
        reporter: bridge,
      });
      return;
    }
    stream.reporter = bridge;
    const window = this.window;
    const high = stream.high;
    // A heartbeat's own position is an event this receiver may lack.
    const last = heartbeat ? seq : seq - 1;
    if (seq <= high) {
      if (heartbeat) return;
      if (this.#fill(stream, seq) || seq > high - window) {
        stream.jump = undefined;
        return;
      }
    } else if (seq <= high + window) {
      stream.jump = undefined;
      if (last > high) this.#gap(stream, high + 1, last, bridge.lossTimeout);
      stream.high = seq;
      this.#expire(stream, seq - window);
      return;
    }
    // Out of the window: a jump, confirmed only by a next message that
    // follows it.
    const jump = stream.jump;
    if (jump !== undefined && seq > jump && seq <= jump + window) {
      stream.jump = undefined;
      for (const gap of stream.gaps) {
        this.#lose(stream, gap, "they fell out of the window");
      }
      stream.gaps = [];
      this.#gapped.delete(stream);
      if (jump > high + 1) {
        this.#lose(
          stream,
          { from: high + 1, to: jump - 1, due: 0 },
          "the position jumped beyond the window",
        );
      }
      if (last > jump) this.#gap(stream, jump + 1, last, bridge.lossTimeout);
      stream.high = seq;
      return;
    }
    stream.jump = seq;
    bridge.report(
      new RangeError(
        `Ignored the position ${seq} of bridge ${quote(origin)}: it is ${
          seq > high ? seq - high : high - seq
        } ${
          seq > high ? "ahead of" : "behind"
        } its position ${high}, beyond the window of ${window}; the transport lost events or the message is forged`,
      ),
    );
  }

  /** Removes `seq` from the gaps; whether it was in one. */
  #fill(stream: Stream, seq: number): boolean {
    const gaps = stream.gaps;
    for (let i = 0; i < gaps.length; i++) {
      const gap = gaps[i]!;
      if (seq < gap.from || seq > gap.to) continue;
      if (gap.from === gap.to) gaps.splice(i, 1);
      else if (seq === gap.from) gap.from++;
      else if (seq === gap.to) gap.to--;
      else {gaps.splice(i + 1, 0, { from: seq + 1, to: gap.to, due: gap.due }),
          gap.to = seq - 1;}
      if (gaps.length === 0) this.#gapped.delete(stream);
      return true;
    }
    return false;
  }

  #gap(stream: Stream, from: number, to: number, timeout: number): void {
    const due = Date.now() + timeout;
    stream.gaps.push({ from, to, due });
    this.#gapped.add(stream);
    if (stream.gaps.length > MAX_GAPS) {
      const oldest = stream.gaps.shift()!;
      this.#lose(stream, oldest, `more than ${MAX_GAPS} gaps were open`);
    }
    this.#arm(due);
  }

  /** Reports the gaps below `floor` as lost. */
  #expire(stream: Stream, floor: number): void {
    const gaps = stream.gaps;
    while (gaps.length > 0 && gaps[0]!.from < floor) {
      const gap = gaps[0]!;
      if (gap.to < floor) {
        gaps.shift();
        this.#lose(stream, gap, "they fell out of the window");
      } else {
        this.#lose(
          stream,
          { from: gap.from, to: floor - 1, due: 0 },
          "they fell out of the window",
        );
        gap.from = floor;
      }
    }
    if (gaps.length === 0) this.#gapped.delete(stream);
  }

  #lose(stream: Stream, gap: Gap, why: string): void {
    stream.reporter.lost(stream.origin, gap.from, gap.to, why);
  }

  #arm(due: number): void {
    if (due >= this.#timerDue) return;
    clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(
      () => this.#sweep(),
      Math.max(0, due - Date.now()),
    );
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const stream of [...this.#gapped]) {
      const kept: Gap[] = [];
      for (const gap of stream.gaps) {
        if (gap.due <= now) {
          this.#lose(
            stream,
            gap,
            `not received within ${stream.reporter.lossTimeout} ms`,
          );
        } else {
          kept.push(gap);
          next = Math.min(next, gap.due);
        }
      }
      stream.gaps = kept;
      if (kept.length === 0) this.#gapped.delete(stream);
    }
    if (next !== Infinity) this.#arm(next);
  }
}

export function stateOf(bus: object, window: number): BusState {
  const key = Symbol.for(STATE_KEY);
  const found = (bus as Record<symbol, unknown>)[key];
  if (found instanceof Object && (found as BusState).own?.size > 0) {
    return found as BusState;
  }
  const state = new BusState(window);
  Object.defineProperty(bus, key, { value: state, configurable: true });
  return state;
}
