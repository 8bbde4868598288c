// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The one Node global that npm's `assert` (through `util`) reads in a
// browser. The package's published sources never see it: `globals_test.ts`
// proves they use no `process`.
const global = globalThis as { process?: unknown };
global.process ??= { env: {} };
