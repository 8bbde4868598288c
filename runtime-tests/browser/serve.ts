// Copyright 2026 the arcly authors. MIT license.

/**
 * A small static file server on 127.0.0.1 for the browser host: module
 * scripts need an http origin. It serves files under one root folder only.
 *
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
};

/**
 * Serves `root` on 127.0.0.1 at a free port.
 *
 * @param root The folder to serve, as a file URL or a path.
 * @returns The server; `server.addr.port` is the port.
 */
export function serveFolder(root: URL | string): Deno.HttpServer<Deno.NetAddr> {
  const base = new URL(root);
  return Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.split("/").includes("..")) {
      return new Response("bad path", { status: 400 });
    }
    const file = new URL(`.${path}`, base);
    try {
      const body = await Deno.readFile(file);
      const ext = path.slice(path.lastIndexOf(".") + 1);
      return new Response(body, {
        headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}
