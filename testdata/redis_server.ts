// Copyright 2026 the arcly authors. MIT license.

// Starts and stops a real redis-server on 127.0.0.1 for the Redis bridge
// tests. Nothing is saved to disk.

const INSTALL =
  "apt-get install -y --no-install-recommends redis-server (Debian/Ubuntu)";

/** Whether a `redis-server` binary is on PATH. */
export async function haveRedisServer(): Promise<boolean> {
  try {
    await new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Whether the tests that need a real server run here: always in CI (where a
 * missing redis-server must fail them), elsewhere only when it is installed,
 * so a fresh checkout's `deno task test` passes and says what it skipped.
 */
export async function redisTestsEnabled(): Promise<boolean> {
  if (await haveRedisServer() || Deno.env.get("CI") === "true") return true;
  console.warn(
    `%cSkipping the Redis bridge tests: redis-server is not installed (${INSTALL}).`,
    "color: yellow",
  );
  return false;
}

/** A redis-server child process on a free loopback port. */
export class RedisServer {
  readonly port: number;
  #child: Deno.ChildProcess | undefined;
  #output: Promise<string> | undefined;
  #stderr: Promise<string> | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts a server on a free port and waits until it accepts connections. */
  static async start(): Promise<RedisServer> {
    if (!await haveRedisServer()) {
      throw new Error(
        `redis-server is not installed, and the Redis bridge tests need it: ${INSTALL}`,
      );
    }
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const server = new RedisServer(port);
    await server.restart();
    return server;
  }

  /** Starts the server again on the same port after `stop`. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error("redis-server is running");
    const child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "notice",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
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
    const stderr = new Response(child.stderr).text();
    this.#stderr = stderr;
    const exited = child.status.then(async (status) => {
      throw new Error(
        `redis-server exited with code ${status.code} before it was ready:\n${await this
          .#output}\n${await stderr}`,
      );
    });
    await Promise.race([isReady, exited]);
    exited.catch(() => {});
  }

  /** Stops the server (SIGTERM) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // It has exited already.
    }
    await child.status;
    await this.#output;
    await this.#stderr;
  }

  /**
   * Kills the server with SIGKILL (no goodbye to its clients) and waits
   * until it has exited; `restart` brings it back.
   */
  async crash(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    child.kill("SIGKILL");
    await child.status;
    await this.#output;
    await this.#stderr;
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.#child?.kill("SIGSTOP");
  }

  /** Thaws the server after `pause` (SIGCONT). */
  resume(): void {
    this.#child?.kill("SIGCONT");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.resume();
    await this.stop();
  }
}
