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
    const args = ["--port", String(this.port), "--bind", "127.0.0.1"];
    args.push("--dir", this.dir, "--save", "", "--appendonly", "yes");
    this.#child = new Deno.Command("redis-server", {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Ready when it answers PING with PONG, not LOADING: the append-only
    // file has been read back.
    const deadline = Date.now() + 10_000;
    while (!await this.#pong()) {
      if (Date.now() > deadline) {
        throw new Error(`redis-server on port ${this.port} did not start`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #pong(): Promise<boolean> {
    let connection: Deno.TcpConn | undefined;
    try {
      connection = await Deno.connect({
        hostname: "127.0.0.1",
        port: this.port,
      });
      await connection.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(64);
      const read = await connection.read(buffer);
      return new TextDecoder().decode(buffer.subarray(0, read ?? 0)) ===
        "+PONG\r\n";
    } catch {
      return false;
    } finally {
      connection?.close();
    }
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
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true });
  }
}
