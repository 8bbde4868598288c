// Copyright 2026 the arcly authors. MIT license.

// The Bun host: one `bun test` test per case, on the TypeScript sources.
// `bun test` provides `test` as a global; importing it from "bun:test" would
// keep `deno check` from resolving this file.
import { cases } from "../cases.ts";

declare const test: (name: string, fn: () => Promise<void>) => void;

for (const { name, fn } of cases) test(name, fn);
