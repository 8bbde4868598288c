// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/** One block of an SSE stream, as the tests read it. */
export interface Block {
  /** The `event:` field, if any. */
  event?: string;
  /** The `id:` field, if any. */
  id?: string;
  /** The `data:` lines joined with "\n", if any. */
  data?: string;
  /** The `retry:` field, if any. */
  retry?: string;
  /** How many comment lines it had. */
  comments: number;
}

/** Parses one block (the text between blank lines) of an SSE stream. */
export function parseBlock(text: string): Block {
  const block: Block = { comments: 0 };
  const data: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) {
      block.comments++;
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event" || field === "id" || field === "retry") {
      block[field] = value;
    }
  }
  if (data.length > 0) block.data = data.join("\n");
  return block;
}

/** Reads the blocks of an SSE body, in order, as they arrive. */
export class SseReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  #blocks: Block[] = [];
  /** Whether the stream has ended. */
  done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    // Read on demand, not piped: a pipe would drain the body ahead of the
    // test and hide backpressure.
    this.#reader = body.getReader();
  }

  /** The next block, or `undefined` at the end of the stream. */
  async next(): Promise<Block | undefined> {
    while (this.#blocks.length === 0) {
      if (this.done) return undefined;
      const { value, done } = await this.#reader.read();
      if (done) {
        this.done = true;
        continue;
      }
      this.#buffer += this.#decoder.decode(value, { stream: true });
      const parts = this.#buffer.split("\n\n");
      this.#buffer = parts.pop()!;
      for (const part of parts) this.#blocks.push(parseBlock(part));
    }
    return this.#blocks.shift();
  }

  /** The next `count` blocks that are events (not only comments). */
  async events(count: number): Promise<Block[]> {
    const out: Block[] = [];
    while (out.length < count) {
      const block = await this.next();
      if (block === undefined) {
        throw new Error(`Stream ended after ${out.length} of ${count} events`);
      }
      if (block.event !== undefined || block.data !== undefined) {
        out.push(block);
      }
    }
    return out;
  }

  /** Every block until the end of the stream. */
  async rest(): Promise<Block[]> {
    const out: Block[] = [];
    for (let block = await this.next(); block; block = await this.next()) {
      out.push(block);
    }
    return out;
  }

  /** Cancels the stream, as a client that leaves. */
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/**
 * Resolves once `condition()` holds, checking every `step` ms; rejects
 * after `limit` ms. For conditions no event announces (a runtime noticing
 * a closed connection).
 */
export async function until(
  condition: () => boolean,
  limit: number,
  what: string,
  step = 5,
): Promise<number> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > limit) {
      throw new Error(`Timed out after ${limit} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, step));
  }
  return performance.now() - start;
}
