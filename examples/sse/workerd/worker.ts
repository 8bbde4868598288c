// Copyright 2026 the arcly authors. MIT license.

/**
 * Cloudflare Workers: a Durable Object holds the bus and the SSE clients.
 * Every request to `/events`, from whichever isolate serves it, goes to the
 * one `EventHub` object, so a POST reaches the clients of every other
 * request. Build and run locally:
 *
 *   deno bundle --platform browser -o examples/sse/workerd/dist/worker.js \
 *     examples/sse/workerd/worker.ts
 *   npx workerd serve examples/sse/workerd/config.capnp
 *
 * With wrangler: `main = "worker.ts"`, a `durable_objects` binding `HUB` of
 * class `EventHub`, and a migration that creates the class.
 *
 * @module
 */

import { EventBus } from "@arcly/bus";
import { type Events, handle } from "../app.ts";

/** What the Worker needs of its Durable Object namespace binding. */
interface Namespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** The Durable Object: one bus, all the SSE clients. */
export class EventHub {
  /** The bus of every client of this hub. */
  readonly bus: EventBus<Events> = new EventBus<Events>();

  /** Streams to a client, or emits what a client posted. */
  fetch(request: Request): Promise<Response> {
    return handle(this.bus, request);
  }
}

export default {
  /** Sends every `/events` request to the one hub. */
  fetch(request: Request, env: { HUB: Namespace }): Promise<Response> {
    return env.HUB.get(env.HUB.idFromName("events")).fetch(request);
  },
};
