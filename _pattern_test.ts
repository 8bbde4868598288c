// Copyright 2026 the arcly authors. MIT license.

// White-box tests of the pattern cache of _registry.ts: its bound and its
// purge. Deno only (see runtime-tests/suite.ts): they test an internal module,
// not the package the runtime hosts run.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { CACHE_LIMIT } from "./_pattern.ts";
import { Registry } from "./_registry.ts";

Deno.test("EventBus keeps pattern resolutions out of its topic map", async () => {
  const bus = new EventBus();
  bus.subscribe("own.event", () => {});
  // The map emit looks names up in first: the bus's registry of topics.
  let topics: Map<string, unknown> | undefined;
  const get = Map.prototype.get;
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    topics ??= this as Map<string, unknown>;
    return get.call(this, key);
  };
  try {
    await bus.emit("own.event");
  } finally {
    Map.prototype.get = get;
  }
  assert.equal(topics?.size, 1);
  const seen: string[] = [];
  const off = bus.subscribePattern("user.*", (event) => {
    seen.push(event.name);
  });
  for (let i = 0; i < CACHE_LIMIT * 3; i++) {
    await bus.emit(`user.${i}`);
    await bus.emit(`other.${i}`);
  }
  assert.equal(seen.length, CACHE_LIMIT * 3);
  assert.deepEqual([...topics!.keys()], ["own.event"]);
  off();
  assert.deepEqual([...topics!.keys()], ["own.event"]);
});

Deno.test("Registry caches the pattern listeners of at most CACHE_LIMIT names and forgets them on every pattern change", () => {
  const reg = new Registry(Infinity, () => {});
  const sub = reg.add("user.", () => {}, true);
  for (let i = 0; i < CACHE_LIMIT * 3; i++) {
    const matched = reg.patternSnapshot(`user.${i}`);
    assert.equal(matched?.length, 1);
    assert.equal(reg.patternSnapshot(`other.${i}`), undefined);
  }
  assert.equal(reg.cached, CACHE_LIMIT);
  const other = reg.add("other.", () => {}, true);
  assert.equal(reg.cached, 0);
  assert.equal(reg.patternSnapshot("other.0")?.length, 1);
  assert.equal(reg.cached, 1);
  reg.remove(sub, false);
  assert.equal(reg.cached, 0);
  assert.equal(reg.patternSnapshot("user.0"), undefined);
  assert.equal(reg.patternSnapshot("other.0")?.length, 1);
  reg.remove(other, false);
  assert.equal(reg.cached, 0);
  assert.equal(reg.patternSnapshot("other.0"), undefined);
});
