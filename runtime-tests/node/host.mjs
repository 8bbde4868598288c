// Copyright 2026 the arcly authors. MIT license.

// The Node host: one `node --test` test per case, on the bundled ESM that
// `deno task test:runtimes` writes to ../dist (the package as npm users get it).
import { test } from "node:test";
import { cases } from "../dist/cases.js";

for (const { name, fn } of cases) test(name, fn);
