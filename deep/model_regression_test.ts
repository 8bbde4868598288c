// Copyright 2026 the arcly authors. MIT license.

// Every counterexample the model test (deep/model_test.ts) has ever found,
// replayed as a fixed scenario, plus hand-written scenarios for the rules most
// likely to regress. Add new ones at the end with where they came from.

import { runScenario, type Scenario } from "./_model.ts";
import { noUnhandledRejections } from "../_test_util.ts";

const REGRESSIONS: { found: string; scenario: Scenario }[] = [
  {
    found:
      "hand-written: once listener re-emitting its own event is called once",
    scenario: {
      onError: "none",
      commands: [
        {
          op: "subscribe",
          spec: {
            target: "a",
            form: "function",
            once: true,
            signal: null,
            behavior: "reemit",
            action: { do: "none" },
            reemit: "a",
          },
        },
        { op: "emit", event: "a" },
        { op: "emit", event: "a" },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'aborted signal still added' (seed -121363535)",
    "scenario": {
      "onError": "none",
      "commands": [{ "op": "abort", "signal": 0 }, {
        "op": "subscribe",
        "spec": {
          "target": "a",
          "form": "function",
          "once": false,
          "signal": 0,
          "behavior": "sync",
          "action": { "do": "none" },
          "reemit": "a",
        },
      }],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'clear keeps subs alive' (seed 145380249)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "clear", "event": null },
            "reemit": "a",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": true,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        { "op": "wait", "event": "a", "filter": "none", "signal": 0 },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'count not decremented on clear' (seed -1820830147)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "clear", "event": null },
        { "op": "emit", "event": "a" },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'dangling internal rejection' (seed -946681068)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "reject",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        { "op": "abort", "signal": 0 },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'emit does not wait' (seed -384904507)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "reject",
            "action": { "do": "unsubscribe", "sub": 0 },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'errors unsorted' (seed 2123293391)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "reemit",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "reject",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": 0,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'filter error swallowed' (seed 663797097)",
    "scenario": {
      "onError": "none",
      "commands": [
        { "op": "wait", "event": "a", "filter": "throw", "signal": 0 },
        { "op": "emit", "event": "a" },
        { "op": "settle", "call": 0, "ok": false },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'live list (no snapshot)' (seed -1703085227)",
    "scenario": {
      "onError": "none",
      "commands": [{
        "op": "wait",
        "event": "b",
        "filter": "none",
        "signal": null,
      }, {
        "op": "subscribe",
        "spec": {
          "target": "b",
          "form": "function",
          "once": false,
          "signal": null,
          "behavior": "sync",
          "action": { "do": "unsubscribe", "sub": 0 },
          "reemit": "a",
        },
      }, { "op": "emit", "event": "b" }],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'nested emits queued' (seed -679858886)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "reemit",
            "action": { "do": "clear", "event": "a" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        { "op": "wait", "event": "a", "filter": "none", "signal": null },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'onError gets wrong event' (seed 481683034)",
    "scenario": {
      "onError": "throwSome",
      "commands": [{
        "op": "subscribe",
        "spec": {
          "target": "b",
          "form": "function",
          "once": false,
          "signal": 0,
          "behavior": "throw",
          "action": { "do": "unsubscribe", "sub": 0 },
          "reemit": "a",
        },
      }, { "op": "emit", "event": "b" }],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'onError skipped' (seed -933603269)",
    "scenario": {
      "onError": "throwSome",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "throw",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'onError throw lost' (seed -1230427530)",
    "scenario": {
      "onError": "throwSome",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "pending",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        { "op": "settle", "call": 0, "ok": false },
        { "op": "emit", "event": "a" },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'once guard removed' (seed 1558702391)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "unsubscribe", "sub": 13 },
            "reemit": "a",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": true,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a" },
        { "op": "abort", "signal": 0 },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'signal listener leaked' (seed -485746837)",
    "scenario": {
      "onError": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": 0,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "unsubscribe", "sub": 0, "how": "call" },
        { "op": "emit", "event": "a" },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'validate after register' (seed 578528473)",
    "scenario": {
      "onError": "none",
      "commands": [{
        "op": "subscribe",
        "spec": {
          "target": "a",
          "form": "function",
          "once": false,
          "signal": null,
          "behavior": "sync",
          "action": { "do": "none" },
          "reemit": "a",
        },
      }, { "op": "unsubscribe", "sub": 0, "how": "call" }],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'waitFor keeps abort listener' (seed 1283498116)",
    "scenario": {
      "onError": "none",
      "commands": [
        { "op": "wait", "event": "b", "filter": "none", "signal": 0 },
        { "op": "clear", "event": "b" },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
      ],
    },
  },
  {
    "found": "model test vs. a bus broken by 'wildcard first' (seed 423196769)",
    "scenario": {
      "onError": "none",
      "commands": [
        { "op": "wait", "event": "a", "filter": "none", "signal": 0 },
        { "op": "emit", "event": "a" },
        { "op": "unsubscribe", "sub": 0, "how": "call" },
      ],
    },
  },
  {
    "found":
      "model test vs. a bus broken by 'rejects with empty AggregateError' (seed -734027365)",
    "scenario": {
      "onError": "none",
      "commands": [{
        "op": "subscribe",
        "spec": {
          "target": "a",
          "form": "function",
          "once": false,
          "signal": null,
          "behavior": "pending",
          "action": { "do": "subscribe", "target": "a" },
          "reemit": "a",
        },
      }, { "op": "emit", "event": "a" }],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'pattern and every-event listeners swapped on the traced path (#dispatch)' (seed 1402216483)",
    scenario: {
      "onError": "none",
      "onEmit": "record",
      "commands": [{
        "op": "subscribe",
        "spec": {
          "target": "a.*",
          "form": "function",
          "once": false,
          "signal": 0,
          "behavior": "sync",
          "action": { "do": "none" },
          "reemit": "a",
        },
      }, {
        "op": "subscribe",
        "spec": {
          "target": "*",
          "form": "function",
          "once": false,
          "signal": null,
          "behavior": "sync",
          "action": { "do": "none" },
          "reemit": "a",
        },
      }, { "op": "emit", "event": "a.x", "serial": false }],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'overflow drop-oldest drops nothing' (seed 250464044)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "iterate",
          "event": null,
          "bufferSize": 1,
          "overflow": "drop-oldest",
          "signal": 0,
        },
        { "op": "emit", "event": "a", "serial": false },
        { "op": "emit", "event": "a", "serial": false },
        { "op": "read", "it": 0 },
        { "op": "emit", "event": "a", "serial": false },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'emitSerial does not await a listener' (seed -356491624)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "pending",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a", "serial": true },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "unsubscribe", "sub": 0 },
            "reemit": "a",
          },
        },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'onEmit info.listeners leaves out pattern listeners' (seed -1392714321)",
    scenario: {
      "onError": "none",
      "onEmit": "record",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a.*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "abort", "signal": 0 },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a.x", "serial": false },
        { "op": "unsubscribe", "sub": 0, "how": "call" },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'onEmit info.serial always false' (seed 457162524)",
    scenario: {
      "onError": "none",
      "onEmit": "throwSome",
      "commands": [{ "op": "emit", "event": "a", "serial": true }, {
        "op": "subscribe",
        "spec": {
          "target": "a",
          "form": "function",
          "once": false,
          "signal": null,
          "behavior": "sync",
          "action": { "do": "abort", "signal": 0 },
          "reemit": "a",
        },
      }],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'listeners of several patterns not merged in subscription order' (seed -285275874)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "subscribe", "target": "a.x.*" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a", "serial": false },
        {
          "op": "subscribe",
          "spec": {
            "target": "a.*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "abort", "signal": 0 },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a.x.y", "serial": false },
        { "op": "settle", "call": 0, "ok": false },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'pattern cache kept after an unsubscribe' (seed 1573587766)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": 0,
            "behavior": "sync",
            "action": { "do": "subscribe", "target": "a.*" },
            "reemit": "a",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "a.*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a", "serial": false },
        { "op": "emit", "event": "a.x", "serial": false },
        { "op": "unsubscribe", "sub": 22, "how": "call" },
        { "op": "emit", "event": "a.x", "serial": false },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'clear() does not end iterators' (seed -150967168)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "iterate",
          "event": "a",
          "bufferSize": 1,
          "overflow": "drop-oldest",
          "signal": null,
        },
        { "op": "read", "it": 0 },
        {
          "op": "subscribe",
          "spec": {
            "target": "a.x",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "clear", "event": "a" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a.x", "serial": false },
        { "op": "wait", "event": "a", "filter": "none", "signal": null },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'iterator return() does not unsubscribe' (seed 2073863857)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "iterate",
          "event": "a",
          "bufferSize": 1,
          "overflow": "drop-oldest",
          "signal": 0,
        },
        { "op": "return", "it": 0 },
        { "op": "read", "it": 0 },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'pattern and every-event listeners swapped on the plain emit path' (seed -1137927876)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "abort", "signal": 0 },
            "reemit": "a",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "a",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "reemit",
            "action": { "do": "none" },
            "reemit": "a.x",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "a.*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "unsubscribe", "sub": 0 },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a", "serial": false },
        {
          "op": "iterate",
          "event": "a",
          "bufferSize": 1,
          "overflow": "drop-oldest",
          "signal": null,
        },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'onEmit that throws loses the listener failure' (seed -716834299)",
    scenario: {
      "onError": "none",
      "onEmit": "throwSome",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a.x.*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "throw",
            "action": { "do": "subscribe", "target": "a" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a", "serial": false },
        { "op": "emit", "event": "a.x.y", "serial": false },
        { "op": "emit", "event": "a", "serial": false },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'emitSerial runs every-event listeners before pattern listeners' (seed 1649249002)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "a.x.*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        {
          "op": "subscribe",
          "spec": {
            "target": "*",
            "form": "function",
            "once": false,
            "signal": null,
            "behavior": "sync",
            "action": { "do": "abort", "signal": 0 },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "a.x.y", "serial": true },
        { "op": "read", "it": 0 },
      ],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'aborting an iterator's signal does not end it' (seed -375825548)",
    scenario: {
      "onError": "none",
      "onEmit": "none",
      "commands": [{
        "op": "iterate",
        "event": "a",
        "bufferSize": 1,
        "overflow": "drop-oldest",
        "signal": 0,
      }, {
        "op": "subscribe",
        "spec": {
          "target": "a",
          "form": "function",
          "once": false,
          "signal": null,
          "behavior": "sync",
          "action": { "do": "none" },
          "reemit": "a",
        },
      }],
    },
  },
  {
    found:
      "model test vs. a bus broken by 'onEmit info.errors empty when onError is set' (seed 1679164779)",
    scenario: {
      "onError": "record",
      "onEmit": "throwSome",
      "commands": [
        {
          "op": "subscribe",
          "spec": {
            "target": "b",
            "form": "function",
            "once": false,
            "signal": 0,
            "behavior": "throw",
            "action": { "do": "none" },
            "reemit": "a",
          },
        },
        { "op": "emit", "event": "b", "serial": false },
        { "op": "read", "it": 0 },
      ],
    },
  },
];

Deno.test("EventBus matches the model on every counterexample found so far", async (t) => {
  for (const { found, scenario } of REGRESSIONS) {
    await t.step(found, noUnhandledRejections(() => runScenario(scenario)));
  }
});
