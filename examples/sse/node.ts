// Copyright 2026 the arcly authors. MIT license.

// Node 20 with node:http and a small Web Response adapter (node_adapter.ts).
// Node 20 runs JavaScript: bundle first, e.g.
//   deno bundle --platform node -o dist/sse_node.mjs examples/sse/node.ts
//   PORT=8000 node dist/sse_node.mjs
import { EventBus } from "@arcly/bus";
import { type Events, handle } from "./app.ts";
import { serve } from "./node_adapter.ts";

const bus = new EventBus<Events>();
await serve((request) => handle(bus, request), {
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 8000),
});
