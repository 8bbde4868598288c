// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type {
  StandardIssue,
  StandardResult,
  StandardSchema,
} from "./schema.ts";
import { describe, invalid, MAX_QUOTE, quote } from "./_validate.ts";

/**
 * Reads `options.schemas`: an object of Standard Schema validators, or
 * `undefined`.
 */
export function readSchemas(
  options: Record<string, unknown>,
  action: string,
): Map<string, StandardSchema> | undefined {
  const schemas = options.schemas;
  if (schemas === undefined) return undefined;
  if (typeof schemas !== "object" || schemas === null) {
    throw invalid(action, "options.schemas", "an object", schemas);
  }
  const record = schemas as Record<string, unknown>;
  const map = new Map<string, StandardSchema>();
  for (const [name, schema] of Object.entries(record)) {
    const props = (schema as StandardSchema | null)?.["~standard"];
    if (
      typeof props !== "object" || props === null ||
      typeof props.validate !== "function"
    ) {
      throw invalid(
        action,
        `options.schemas[${quote(name)}]`,
        "a Standard Schema (an object with ~standard.validate)",
        schema,
      );
    }
    map.set(name, schema as StandardSchema);
  }
  return map;
}

/** The issues as one short line: `path: message; path: message`. */
export function formatIssues(issues: readonly StandardIssue[]): string {
  const parts: string[] = [];
  for (const issue of issues) {
    const path = (issue.path ?? []).map((segment) =>
      String(
        typeof segment === "object" && segment !== null ? segment.key : segment,
      )
    ).join(".");
    parts.push(
      path === "" ? String(issue.message) : `${path}: ${issue.message}`,
    );
  }
  const text = parts.join("; ");
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/**
 * A payload that failed its schema, for `onError`: a `TypeError` naming the
 * event, with the validator's `issues`.
 */
export function schemaError(
  name: string,
  issues: readonly StandardIssue[],
): TypeError & { issues: readonly StandardIssue[] } {
  return Object.assign(
    new TypeError(
      `Dropped ${quote(name)}: payload failed its schema: ${
        formatIssues(issues)
      }`,
    ),
    { issues },
  );
}

/**
 * Validates a received payload. Returns the result, synchronously when the
 * validator is synchronous; a validator that throws gives one issue with
 * its message.
 */
export function validatePayload(
  schema: StandardSchema,
  payload: unknown,
): StandardResult<unknown> | Promise<StandardResult<unknown>> {
  try {
    const result = schema["~standard"].validate(payload);
    if (result instanceof Promise) return result.catch(thrownIssue);
    return result;
  } catch (error) {
    return thrownIssue(error);
  }
}

function thrownIssue(error: unknown): StandardResult<unknown> {
  return {
    issues: [{
      message: `validator threw: ${
        error instanceof Error ? error.message : describe(error)
      }`,
    }],
  };
}
