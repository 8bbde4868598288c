// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * The application every recipe serves, whatever the runtime:
 *
 * - `GET /events` streams the events of the bus as Server-Sent Events,
 *   resuming after the request's `Last-Event-ID`;
 * - `POST /events` with `{"text": "..."}` emits `message.posted`.
 *
 * @module
 */

import type { EventBus } from "@arcly/bus";
import { serverSentEvents, type ServerSentEventsOptions } from "@arcly/bus/sse";

/** The events of the recipes. */
export type Events = { "message.posted": { text: string } };

/**
 * Answers one request with the bus: a stream, an emit, or 404.
 *
 * @param bus The bus whose events are streamed and emitted.
 * @param request The request.
 * @param options More `serverSentEvents` options (e.g. `heartbeat`).
 * @returns The response.
 */
export async function handle(
  bus: EventBus<Events>,
  request: Request,
  options: ServerSentEventsOptions<Events> = {},
): Promise<Response> {
  if (new URL(request.url).pathname !== "/events") {
    return new Response("Not found", { status: 404 });
  }
  if (request.method === "POST") {
    const body = await request.json().catch(() => undefined);
    if (typeof body?.text !== "string") {
      return new Response('Expected {"text": string}', { status: 400 });
    }
    await bus.emit("message.posted", { text: body.text });
    return new Response(null, { status: 204 });
  }
  return serverSentEvents(bus, {
    events: ["message.posted"],
    signal: request.signal,
    lastEventId: request.headers.get("last-event-id"),
    retry: 1_000,
    ...options,
  });
}
