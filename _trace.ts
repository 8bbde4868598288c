// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { quote } from "./_validate.ts";
import type { EmitInfo } from "./types.ts";

/**
 * Hands `info` to `onEmit` and returns what the emit settles with: `failure`
 * as it was, or, when `onEmit` throws, what it threw (joined with `failure`
 * in an `AggregateError` when there was one), so no error is lost.
 */
export function trace<Events>(
  onEmit: (info: EmitInfo<Events>) => void,
  info: EmitInfo<Events>,
  failure: unknown,
): unknown {
  try {
    onEmit(info);
    return failure;
  } catch (error) {
    if (failure === undefined) return error;
    return new AggregateError(
      [failure, error],
      `onEmit threw while tracing a failed emit of ${quote(info.name)}`,
    );
  }
}
