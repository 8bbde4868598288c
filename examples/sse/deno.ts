// Copyright 2026 the arcly authors. MIT license.

// Deno.serve: deno run --allow-net --allow-env=PORT examples/sse/deno.ts
// Then: curl -N http://127.0.0.1:8000/events, and in another terminal
// curl -d '{"text":"hi"}' http://127.0.0.1:8000/events
import { EventBus } from "@arcly/bus";
import { type Events, handle } from "./app.ts";

const bus = new EventBus<Events>();
Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8000) },
  (request) => handle(bus, request),
);
