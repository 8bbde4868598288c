// Copyright 2026 the arcly authors. MIT license.

// Deno Deploy (or `deno serve`): a default export with `fetch`. Locally:
// deno serve --host 127.0.0.1 --port 8000 --allow-net examples/sse/deploy.ts
//
// Deploy runs many isolates; the BroadcastChannel bridge carries each emit
// to the buses of the others, so every client gets every event.
import { EventBus } from "@arcly/bus";
import { bridgeBroadcastChannel } from "@arcly/bus/broadcast-channel";
import { type Events, handle } from "./app.ts";

const bus = new EventBus<Events>();
bridgeBroadcastChannel(bus, "sse-example");

export default {
  fetch: (request) => handle(bus, request),
} satisfies Deno.ServeDefaultExport;
