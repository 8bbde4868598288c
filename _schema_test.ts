// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { z } from "npm:zod@3";
import * as v from "npm:valibot@1";
import {
  formatIssues,
  readSchemas,
  schemaError,
  validatePayload,
} from "./_schema.ts";
import type { StandardSchema } from "./schema.ts";

Deno.test("validatePayload() passes and fails payloads with real zod and valibot schemas", async (t) => {
  const schemas: [string, StandardSchema][] = [
    ["zod", z.object({ id: z.number() })],
    ["valibot", v.object({ id: v.number() })],
  ];
  for (const [vendor, schema] of schemas) {
    await t.step(vendor, async () => {
      const ok = await validatePayload(schema, { id: 1 });
      assert.equal(ok.issues, undefined);
      assert.deepEqual((ok as { value: unknown }).value, { id: 1 });
      const bad = await validatePayload(schema, { id: "1" });
      assert.ok(bad.issues !== undefined && bad.issues.length === 1);
      assert.match(formatIssues(bad.issues), /^id: /);
    });
  }
});

Deno.test("validatePayload() turns a throwing or rejecting validator into one issue", async () => {
  const throwing: StandardSchema = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate() {
        throw new Error("boom");
      },
    },
  };
  const rejecting: StandardSchema = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: () => Promise.reject(new Error("late boom")),
    },
  };
  assert.deepEqual(validatePayload(throwing, 1), {
    issues: [{ message: "validator threw: boom" }],
  });
  assert.deepEqual(await validatePayload(rejecting, 1), {
    issues: [{ message: "validator threw: late boom" }],
  });
});

Deno.test("schemaError() names the event and cuts long issue text at 200 characters", () => {
  const issues = [{ message: "x".repeat(1000), path: ["a", { key: "b" }] }];
  const error = schemaError("order.placed", issues);
  assert.ok(error instanceof TypeError);
  assert.equal(error.issues, issues);
  assert.equal(
    error.message,
    `Dropped "order.placed": payload failed its schema: a.b: ${
      "x".repeat(195)
    }…`,
  );
});

Deno.test("readSchemas() rejects schemas that are not Standard Schemas", () => {
  const action = "Cannot bridge";
  assert.equal(readSchemas({}, action), undefined);
  assert.throws(
    () => readSchemas({ schemas: 1 }, action),
    new TypeError(
      "Cannot bridge: options.schemas must be an object, got number 1",
    ),
  );
  assert.throws(
    () => readSchemas({ schemas: { a: { validate() {} } } }, action),
    new TypeError(
      'Cannot bridge: options.schemas["a"] must be a Standard Schema (an object with ~standard.validate), got an object',
    ),
  );
  const schema = z.string();
  assert.equal(
    readSchemas({ schemas: { a: schema } }, action)?.get("a"),
    schema,
  );
});
