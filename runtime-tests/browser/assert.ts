// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// `node:assert/strict` for the browser host: the npm `assert` package (a port
// of Node's), bundled by run.ts into ../dist/assert.js, which the page's
// import map serves for "node:assert/strict". The process stub must come
// first: the package's `util` dependency reads `process.env` as it loads.
import "./_process.ts";
import assert from "npm:assert@2.1.0";

export default assert.strict;
