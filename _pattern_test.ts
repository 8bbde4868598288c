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
  // The cache is the map whose keys are the names emitted.
  let cache: Map<unknown, unknown> | undefined;
  let largest = 0;
  const set = Map.prototype.set;
  Map.prototype.set = function (key: unknown, value: unknown) {
    if (typeof key === "string" && /^user\.\d+$/.test(key)) {
      cache ??= this;
      largest = Math.max(largest, this.size + 1);
    }
    return set.call(this, key, value);
  };
  try {
    const sub = reg.add("user.", () => {}, true);
    for (let i = 0; i < CACHE_LIMIT * 3; i++) {
      const matched = reg.patternSnapshot(`user.${i}`);
      assert.equal(matched?.length, 1);
      assert.equal(reg.patternSnapshot(`other.${i}`), undefined);
    }
    assert.ok(cache !== undefined);
    assert.equal(cache.size, CACHE_LIMIT);
    assert.ok(largest <= CACHE_LIMIT + 1, `largest ${largest}`);
    const other = reg.add("other.", () => {}, true);
    assert.equal(cache.size, 0);
    assert.equal(reg.patternSnapshot("other.0")?.length, 1);
    assert.equal(cache.size, 1);
    reg.remove(sub, false);
    assert.equal(cache.size, 0);
    assert.equal(reg.patternSnapshot("user.0"), undefined);
    assert.equal(reg.patternSnapshot("other.0")?.length, 1);
    reg.remove(other, false);
    assert.equal(cache.size, 0);
    assert.equal(reg.patternSnapshot("other.0"), undefined);
  } finally {
    Map.prototype.set = set;
  }
});
