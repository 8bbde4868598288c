// Copyright 2026 the arcly authors. MIT license.

// Drives a testdata/redis_peer.ts subprocess: JSON commands in, JSON lines
// out, each awaited by condition with a deadline.

/** One JSON line a peer printed. */
export type PeerLine = Record<string, unknown> & { type: string };

/** A running peer process. */
export class PeerProcess {
  readonly name: string;
  readonly lines: PeerLine[] = [];
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #waiters: Set<() => void> = new Set();
  #stdout: Promise<void>;
  #stderr: Promise<string>;
  #ended = false;

  constructor(
    kind: "ioredis" | "node-redis",
    port: number,
    name: string,
    channel: string,
  ) {
    this.name = name;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-env",
        "--allow-read",
        "--allow-sys",
        new URL("./redis_peer.ts", import.meta.url).pathname,
        kind,
        String(port),
        name,
        channel,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#stderr = new Response(this.#child.stderr).text();
    this.#stdout = this.#read();
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of this.#child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        try {
          this.lines.push(JSON.parse(text));
        } catch {
          this.lines.push({ type: "stray output", text });
        }
      }
      for (const wake of this.#waiters) wake();
    }
    this.#ended = true;
    for (const wake of this.#waiters) wake();
  }

  /** Sends one command. */
  async send(command: Record<string, unknown>): Promise<void> {
    await this.#writer.write(
      new TextEncoder().encode(JSON.stringify(command) + "\n"),
    );
  }

  /** Waits for the first line from `from` on that passes `test`. */
  async waitFor(
    test: (line: PeerLine) => boolean,
    what: string,
    from = 0,
    timeout = 20_000,
  ): Promise<PeerLine> {
    const deadline = Date.now() + timeout;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      while (true) {
        const found = this.lines.slice(from).find(test);
        if (found !== undefined) return found;
        if (this.#ended) {
          throw new Error(
            `${this.name} exited before ${what}; it printed:\n${
              this.lines.map((l) => JSON.stringify(l)).join("\n")
            }\nstderr:\n${await this.#stderr}`,
          );
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `${this.name}: no ${what} within ${timeout} ms; it printed:\n${
              this.lines.slice(-20).map((l) => JSON.stringify(l)).join("\n")
            }`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            this.#waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          this.#waiters.add(wake);
          timer = setTimeout(wake, left);
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lines of one type. */
  linesOf(type: string): PeerLine[] {
    return this.lines.filter((line) => line.type === type);
  }

  /** Asks the peer to quit and waits for its exit code. */
  async quit(): Promise<number> {
    await this.send({ cmd: "quit" });
    await this.#writer.close();
    const { code } = await this.#child.status;
    await this.#stdout;
    await this.#stderr;
    return code;
  }

  /** Kills the peer (after a failure) and releases its streams. */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // It has exited already.
    }
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    await this.#stdout;
    await this.#stderr;
  }
}
