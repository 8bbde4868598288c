// Copyright 2026 the arcly authors. MIT license.

// A durable redis-server for the Redis Streams tests: append-only file on,
// in a temporary directory of its own, on a free loopback port. It can be
// killed with SIGKILL and started again on the same port and files.

import { haveRedisServer } from "./redis_server.ts";

/** A redis-server child process with `--appendonly yes`. */
export class DurableRedis {
  readonly port: number;
  readonly dir: string;
  #child: Deno.ChildProcess | undefined;
  #output: Promise<string> | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts a server on a free port and waits until it accepts connections. */
  static async start(): Promise<DurableRedis> {
    if (!await haveRedisServer()) {
      throw new Error(
        "redis-server is not installed: apt-get install -y --no-install-recommends redis-server",
      );
    }
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const server = new DurableRedis(
      port,
      await Deno.makeTempDir({ prefix: "arcly-streams-" }),
    );
    await server.restart();
    return server;
  }

  /** Starts the server again, on the same port and files, after a stop or kill. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error("redis-server is running");
    const child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--dir",
        this.dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--daemonize",
        "no",
        "--loglevel",
        "notice",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#child = child;
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => ready = resolve);
    this.#output = (async () => {
      let text = "";
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        text += decoder.decode(chunk, { stream: true });
        if (text.includes("Ready to accept connections")) ready();
      }
      return text;
    })();
    const exited = child.status.then(async (status) => {
      throw new Error(
        `redis-server exited with code ${status.code} before it was ready:\n${await this
          .#output}`,
      );
    });
    await Promise.race([isReady, exited]);
    exited.catch(() => {});
  }

  /** Stops the server with `signal` and waits until it has exited. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch {
      // It has exited already.
    }
    await child.status;
    await this.#output;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true });
  }
}
