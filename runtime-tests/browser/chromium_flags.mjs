// Copyright 2026 the arcly authors. MIT license.

/**
 * The flags headless Chromium (Debian's) needs here, running as root with no
 * network: the one list of the runtime matrix (browser/drive.mjs) and the SSE
 * tests (sse-tests/browser/drive.mjs).
 */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
