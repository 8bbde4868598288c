// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * Validation of received payloads with any Standard Schema v1 validator
 * (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2, …), through the structural
 * `~standard` interface: no dependency on any of them.
 *
 * @module
 */

/**
 * One problem a validator found, as the Standard Schema v1 spec shapes it.
 *
 * @example Usage
 * ```ts
 * import type { StandardIssue } from "@arcly/bus";
 *
 * const issue: StandardIssue = { message: "Expected number", path: ["id"] };
 * ```
 */
export interface StandardIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, from the payload's root: keys, or segments holding a key. */
  readonly path?:
    | readonly (PropertyKey | { readonly key: PropertyKey })[]
    | undefined;
}

/**
 * What a Standard Schema validator returns: the value, or the issues.
 *
 * @typeParam Output The validated payload type.
 *
 * @example Usage
 * ```ts
 * import type { StandardResult } from "@arcly/bus";
 *
 * const ok: StandardResult<number> = { value: 1 };
 * const bad: StandardResult<number> = { issues: [{ message: "Expected number" }] };
 * ```
 */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] };

/**
 * A Standard Schema v1 validator: any object with a `~standard` property
 * whose `validate` returns a result or a promise of one.
 *
 * @typeParam Output The type of the payload it lets through.
 *
 * @example A hand-written schema
 * ```ts
 * import type { StandardSchema } from "@arcly/bus";
 *
 * const positive: StandardSchema<number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof value === "number" && value > 0
 *         ? { value }
 *         : { issues: [{ message: "Expected a positive number" }] },
 *   },
 * };
 * ```
 */
export interface StandardSchema<Output = unknown> {
  /** The Standard Schema v1 properties. */
  readonly "~standard": {
    /** The spec version: 1. */
    readonly version: 1;
    /** The library that made the schema. */
    readonly vendor: string;
    /** Checks a value. */
    readonly validate: (
      value: unknown,
    ) => StandardResult<Output> | Promise<StandardResult<Output>>;
  };
}

/**
 * Validators for received payloads, by event name. An event without one is
 * delivered as received.
 *
 * @typeParam Events The event map.
 *
 * @example Usage
 * ```ts
 * import type { Schemas, StandardSchema } from "@arcly/bus";
 *
 * const orderSchema: StandardSchema<{ id: number }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => ({ value: value as { id: number } }),
 *   },
 * };
 * type Events = { "order.placed": { id: number }; ping: undefined };
 * const schemas: Schemas<Events> = { "order.placed": orderSchema };
 * ```
 */
export type Schemas<Events> = {
  readonly [K in keyof Events]?: StandardSchema<Events[K]>;
};
