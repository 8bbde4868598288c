// Copyright 2026 the arcly authors. MIT license.

// The Deno host: one Deno.test per case, on the TypeScript sources.
import { cases } from "../cases.ts";

for (const { name, fn } of cases) Deno.test(name, fn);
