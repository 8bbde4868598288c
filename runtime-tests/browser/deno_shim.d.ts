// Copyright 2026 the arcly authors. MIT license.

// The Deno.test that the browser host's shim provides, for tsc.
declare const Deno: {
  test(name: string, fn: () => void | Promise<void>): void;
};
