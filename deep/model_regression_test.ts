// Copyright 2026 the arcly authors. MIT license.

// Every counterexample the model test (deep/model_test.ts) has ever found,
// replayed as a fixed scenario, plus hand-written scenarios for the rules most
// likely to regress. Add new ones at the end with where they came from: the
// counterexample fast-check prints can be pasted as it is, or written with
// `listen()` as the others are.

import type { OverflowPolicy } from "../mod.ts";
import {
  type Command,
  type EventKey,
  type ListenerSpec,
  PLAIN_LISTENER,
  runScenario,
  type Scenario,
  type Target,
} from "./_model.ts";
import { noUnhandledRejections } from "../_test_util.ts";

/** A subscribe command: a plain, synchronous listener of `target`, with `spec` changed. */
function listen(target: Target, spec: Partial<ListenerSpec> = {}): Command {
  return { op: "subscribe", spec: { ...PLAIN_LISTENER, target, ...spec } };
}

/** An iterate command (`iterateAll` when `event` is `null`). */
function iterate(
  event: EventKey | null,
  bufferSize: number,
  overflow: OverflowPolicy,
  signal: number | null,
): Command {
  return { op: "iterate", event, bufferSize, overflow, signal };
}

/** Each scenario, by where it came from. */
const REGRESSIONS: Record<string, Scenario> = {
  "hand-written: once listener re-emitting its own event is called once": {
    commands: [
      listen("a", { once: true, behavior: "reemit" }),
      { op: "emit", event: "a" },
      { op: "emit", event: "a" },
    ],
  },
  "model test vs. a bus broken by 'aborted signal still added' (seed -121363535)":
    {
      commands: [
        { op: "abort", signal: 0 },
        listen("a", { signal: 0 }),
      ],
    },
  "model test vs. a bus broken by 'clear keeps subs alive' (seed 145380249)": {
    commands: [
      listen("a", { action: { do: "clear", event: null } }),
      listen("a", { once: true }),
      { op: "emit", event: "a" },
      { op: "wait", event: "a", filter: "none", signal: 0 },
    ],
  },
  "model test vs. a bus broken by 'count not decremented on clear' (seed -1820830147)":
    {
      commands: [
        listen("a"),
        { op: "clear", event: null },
        { op: "emit", event: "a" },
      ],
    },
  "model test vs. a bus broken by 'dangling internal rejection' (seed -946681068)":
    {
      commands: [
        listen("a", { behavior: "reject" }),
        { op: "emit", event: "a" },
        { op: "abort", signal: 0 },
      ],
    },
  "model test vs. a bus broken by 'emit does not wait' (seed -384904507)": {
    commands: [
      listen("a", {
        behavior: "reject",
        action: { do: "unsubscribe", sub: 0 },
      }),
      { op: "emit", event: "a" },
      listen("a"),
    ],
  },
  "model test vs. a bus broken by 'errors unsorted' (seed 2123293391)": {
    commands: [
      listen("a", { behavior: "reemit" }),
      listen("a", { behavior: "reject" }),
      { op: "emit", event: "a" },
      listen("a", { signal: 0 }),
    ],
  },
  "model test vs. a bus broken by 'filter error swallowed' (seed 663797097)": {
    commands: [
      { op: "wait", event: "a", filter: "throw", signal: 0 },
      { op: "emit", event: "a" },
      { op: "settle", call: 0, ok: false },
    ],
  },
  "model test vs. a bus broken by 'live list (no snapshot)' (seed -1703085227)":
    {
      commands: [
        { op: "wait", event: "b", filter: "none", signal: null },
        listen("b", { action: { do: "unsubscribe", sub: 0 } }),
        { op: "emit", event: "b" },
      ],
    },
  "model test vs. a bus broken by 'nested emits queued' (seed -679858886)": {
    commands: [
      listen("*", {
        behavior: "reemit",
        action: { do: "clear", event: "a" },
      }),
      { op: "emit", event: "a" },
      { op: "wait", event: "a", filter: "none", signal: null },
    ],
  },
  "model test vs. a bus broken by 'onError gets wrong event' (seed 481683034)":
    {
      onError: "throwSome",
      commands: [
        listen("b", {
          signal: 0,
          behavior: "throw",
          action: { do: "unsubscribe", sub: 0 },
        }),
        { op: "emit", event: "b" },
      ],
    },
  "model test vs. a bus broken by 'onError skipped' (seed -933603269)": {
    onError: "throwSome",
    commands: [
      listen("a", { behavior: "throw" }),
      { op: "emit", event: "a" },
      listen("a"),
    ],
  },
  "model test vs. a bus broken by 'onError throw lost' (seed -1230427530)": {
    onError: "throwSome",
    commands: [
      listen("a", { behavior: "pending" }),
      { op: "emit", event: "a" },
      { op: "settle", call: 0, ok: false },
      { op: "emit", event: "a" },
    ],
  },
  "model test vs. a bus broken by 'once guard removed' (seed 1558702391)": {
    commands: [
      listen("a", { action: { do: "unsubscribe", sub: 13 } }),
      listen("a", { once: true }),
      { op: "emit", event: "a" },
      { op: "abort", signal: 0 },
    ],
  },
  "model test vs. a bus broken by 'signal listener leaked' (seed -485746837)": {
    commands: [
      listen("a", { signal: 0 }),
      { op: "unsubscribe", sub: 0, how: "call" },
      { op: "emit", event: "a" },
    ],
  },
  "model test vs. a bus broken by 'validate after register' (seed 578528473)": {
    commands: [
      listen("a"),
      { op: "unsubscribe", sub: 0, how: "call" },
    ],
  },
  "model test vs. a bus broken by 'waitFor keeps abort listener' (seed 1283498116)":
    {
      commands: [
        { op: "wait", event: "b", filter: "none", signal: 0 },
        { op: "clear", event: "b" },
        listen("a"),
      ],
    },
  "model test vs. a bus broken by 'wildcard first' (seed 423196769)": {
    commands: [
      { op: "wait", event: "a", filter: "none", signal: 0 },
      { op: "emit", event: "a" },
      { op: "unsubscribe", sub: 0, how: "call" },
    ],
  },
  "model test vs. a bus broken by 'rejects with empty AggregateError' (seed -734027365)":
    {
      commands: [
        listen("a", {
          behavior: "pending",
          action: { do: "subscribe", target: "a" },
        }),
        { op: "emit", event: "a" },
      ],
    },
  "model test vs. a bus broken by 'pattern and every-event listeners swapped on the traced path (#dispatch)' (seed 1402216483)":
    {
      onEmit: "record",
      commands: [
        listen("a.*", { signal: 0 }),
        listen("*"),
        { op: "emit", event: "a.x" },
      ],
    },
  "model test vs. a bus broken by 'overflow drop-oldest drops nothing' (seed 250464044)":
    {
      commands: [
        iterate(null, 1, "drop-oldest", 0),
        { op: "emit", event: "a" },
        { op: "emit", event: "a" },
        { op: "read", it: 0 },
        { op: "emit", event: "a" },
      ],
    },
  "model test vs. a bus broken by 'emitSerial does not await a listener' (seed -356491624)":
    {
      commands: [
        listen("a", { behavior: "pending" }),
        { op: "emit", event: "a", serial: true },
        listen("a", { action: { do: "unsubscribe", sub: 0 } }),
      ],
    },
  "model test vs. a bus broken by 'onEmit info.listeners leaves out pattern listeners' (seed -1392714321)":
    {
      onEmit: "record",
      commands: [
        listen("a.*", { action: { do: "abort", signal: 0 } }),
        { op: "emit", event: "a.x" },
        { op: "unsubscribe", sub: 0, how: "call" },
      ],
    },
  "model test vs. a bus broken by 'onEmit info.serial always false' (seed 457162524)":
    {
      onEmit: "throwSome",
      commands: [
        { op: "emit", event: "a", serial: true },
        listen("a", { action: { do: "abort", signal: 0 } }),
      ],
    },
  "model test vs. a bus broken by 'listeners of several patterns not merged in subscription order' (seed -285275874)":
    {
      commands: [
        listen("a", { action: { do: "subscribe", target: "a.x.*" } }),
        { op: "emit", event: "a" },
        listen("a.*", { action: { do: "abort", signal: 0 } }),
        { op: "emit", event: "a.x.y" },
        { op: "settle", call: 0, ok: false },
      ],
    },
  "model test vs. a bus broken by 'pattern cache kept after an unsubscribe' (seed 1573587766)":
    {
      commands: [
        listen("a", { signal: 0, action: { do: "subscribe", target: "a.*" } }),
        listen("a.*"),
        { op: "emit", event: "a" },
        { op: "emit", event: "a.x" },
        { op: "unsubscribe", sub: 22, how: "call" },
        { op: "emit", event: "a.x" },
      ],
    },
  "model test vs. a bus broken by 'clear() does not end iterators' (seed -150967168)":
    {
      commands: [
        iterate("a", 1, "drop-oldest", null),
        { op: "read", it: 0 },
        listen("a.x", { action: { do: "clear", event: "a" } }),
        { op: "emit", event: "a.x" },
        { op: "wait", event: "a", filter: "none", signal: null },
      ],
    },
  "model test vs. a bus broken by 'iterator return() does not unsubscribe' (seed 2073863857)":
    {
      commands: [
        iterate("a", 1, "drop-oldest", 0),
        { op: "return", it: 0 },
        { op: "read", it: 0 },
      ],
    },
  "model test vs. a bus broken by 'pattern and every-event listeners swapped on the plain emit path' (seed -1137927876)":
    {
      commands: [
        listen("*", { action: { do: "abort", signal: 0 } }),
        listen("a", { behavior: "reemit", reemit: "a.x" }),
        listen("a.*", { action: { do: "unsubscribe", sub: 0 } }),
        { op: "emit", event: "a" },
        iterate("a", 1, "drop-oldest", null),
      ],
    },
  "model test vs. a bus broken by 'onEmit that throws loses the listener failure' (seed -716834299)":
    {
      onEmit: "throwSome",
      commands: [
        listen("a.x.*", {
          behavior: "throw",
          action: { do: "subscribe", target: "a" },
        }),
        { op: "emit", event: "a" },
        { op: "emit", event: "a.x.y" },
        { op: "emit", event: "a" },
      ],
    },
  "model test vs. a bus broken by 'emitSerial runs every-event listeners before pattern listeners' (seed 1649249002)":
    {
      commands: [
        listen("a.x.*"),
        listen("*", { action: { do: "abort", signal: 0 } }),
        { op: "emit", event: "a.x.y", serial: true },
        { op: "read", it: 0 },
      ],
    },
  "model test vs. a bus broken by 'aborting an iterator's signal does not end it' (seed -375825548)":
    {
      commands: [
        iterate("a", 1, "drop-oldest", 0),
        listen("a"),
      ],
    },
  "model test vs. a bus broken by 'onEmit info.errors empty when onError is set' (seed 1679164779)":
    {
      onError: "record",
      onEmit: "throwSome",
      commands: [
        listen("b", { signal: 0, behavior: "throw" }),
        { op: "emit", event: "b" },
        { op: "read", it: 0 },
      ],
    },
};

Deno.test("EventBus matches the model on every counterexample found so far", async (t) => {
  for (const [found, scenario] of Object.entries(REGRESSIONS)) {
    await t.step(found, noUnhandledRejections(() => runScenario(scenario)));
  }
});
