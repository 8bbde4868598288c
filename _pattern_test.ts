// Copyright 2026 the arcly authors. MIT license.

// White-box tests of the pattern cache in _pattern.ts: its bound and its
// purge. Deno only (see runtime-tests/suite.ts): they test an internal module,
// not the package the runtime hosts run.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { CACHE_LIMIT, Patterns } from "./_pattern.ts";
import type { Topic } from "./_topic.ts";

Deno.test("EventBus keeps at most CACHE_LIMIT pattern resolutions for names without listeners and drops them with the last pattern", async () => {
  const bus = new EventBus();
  bus.subscribe("own.event", () => {});
  // The map emit looks names up in: the bus's registry of topics.
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
  assert.equal(topics!.size, CACHE_LIMIT + 1);
  assert.ok(topics!.has("own.event"));
  off();
  assert.deepEqual([...topics!.keys()], ["own.event"]);
});

Deno.test("Patterns keeps at most CACHE_LIMIT cached names without listeners and purges them", () => {
  const topics = new Map<string, Topic>();
  const patterns = new Patterns();
  patterns.attach("user.", () => {});
  for (let i = 0; i < CACHE_LIMIT * 3; i++) {
    const matched = patterns.match(`user.${i}`, undefined, topics);
    assert.equal(matched?.length, 1);
    assert.equal(patterns.match(`other.${i}`, undefined, topics), undefined);
  }
  assert.equal(topics.size, CACHE_LIMIT);
  // The newest names are the ones kept.
  assert.ok(topics.has(`other.${CACHE_LIMIT * 3 - 1}`));
  assert.ok(!topics.has("user.0"));
  patterns.purge(topics);
  assert.equal(topics.size, 0);
});
