// Copyright 2026 the arcly authors. MIT license.

/**
 * A small adapter from `node:http` to Web `Request`/`Response` handlers,
 * enough for `serverSentEvents`: the request's signal aborts when the client
 * leaves, the response body is written with backpressure (so the slow-client
 * policy applies), and it is cancelled when the connection closes.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

/** A Web handler, as `Deno.serve` and `Bun.serve` take. */
export type Handler = (request: Request) => Response | Promise<Response>;

/**
 * Makes a Web `Request` of a Node request; its signal aborts when the
 * connection closes before the response ended.
 */
export async function toRequest(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Request> {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
  }
  let body: Uint8Array<ArrayBuffer> | null = null;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array);
    body = new Uint8Array(Buffer.concat(chunks));
  }
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
    method: req.method ?? "GET",
    headers,
    body,
    signal: controller.signal,
  });
}

/**
 * Writes a Web `Response` to a Node response, waiting for `drain` when the
 * socket is full and cancelling the body when the client leaves.
 */
export async function writeResponse(
  response: Response,
  res: ServerResponse,
): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  let closed = false;
  const gone = new Promise<void>((resolve) =>
    res.once("close", () => {
      closed = true;
      resolve();
    })
  );
  try {
    while (!closed) {
      const { value, done } = await Promise.race([
        reader.read(),
        gone.then(() => ({ value: undefined, done: true })),
      ]);
      if (done || closed) break;
      if (!res.write(value)) {
        await Promise.race([
          new Promise((resolve) => res.once("drain", resolve)),
          gone,
        ]);
      }
    }
  } finally {
    if (closed) await reader.cancel().catch(() => {});
    else res.end();
  }
}

/** Serves a Web handler with `node:http`; resolves once it listens. */
export function serve(
  handler: Handler,
  options: { hostname: string; port: number },
): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      await writeResponse(await handler(await toRequest(req, res)), res);
    } catch (error) {
      console.error(error);
      res.destroy();
    }
  });
  return new Promise((resolve) =>
    server.listen(options.port, options.hostname, () => resolve(server))
  );
}
