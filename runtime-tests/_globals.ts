// Copyright 2026 the arcly authors. MIT license.

/**
 * Finds uses of runtime-specific globals in JavaScript or TypeScript source,
 * ignoring comments, string literals and property names, so that
 * `globals_test.ts` can prove the published sources run on any runtime.
 *
 * @module
 */

/** Globals that exist on one runtime only. */
export const RUNTIME_GLOBALS: readonly string[] = Object.freeze([
  "Deno",
  "Bun",
  "process",
  "require",
  "Buffer",
]);

/** One use of a runtime-specific global. */
export interface GlobalUse {
  /** The global, e.g. `process`. */
  name: string;
  /** The 1-based line it is on. */
  line: number;
}

/**
 * Blanks out comments and the text of string and template literals (keeping
 * template `${}` expressions and every newline), leaving only code.
 *
 * @param source The source text.
 * @returns The code, same length and same line breaks.
 */
export function codeOnly(source: string): string {
  let out = "";
  let i = 0;
  // Each entry is the brace depth at which a template `${` was opened.
  const templates: number[] = [];
  let depth = 0;
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== "\n") {
        j += source[j] === "\\" ? 2 : 1;
      }
      out += c + blank(source.slice(i + 1, j)) + (source[j] ?? "");
      i = j + 1;
    } else if (c === "`" || (c === "}" && templates.at(-1) === depth)) {
      // A template starts, or its `${}` expression ends: skip text up to the
      // next `${` or the closing backtick.
      if (c === "}") templates.pop();
      let j = i + 1;
      while (j < source.length && source[j] !== "`") {
        if (source[j] === "\\") j += 2;
        else if (source[j] === "$" && source[j + 1] === "{") break;
        else j++;
      }
      out += c + blank(source.slice(i + 1, j));
      if (source[j] === "$") {
        out += "${";
        templates.push(++depth);
        i = j + 2;
      } else {
        out += source[j] ?? "";
        i = j + 1;
      }
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Lists the uses of runtime-specific globals in a source text: bare
 * identifiers (`process.env`, `Deno.exit()`, `require("x")`) and properties
 * of the global object (`globalThis.Bun`), but not property names of other
 * objects (`options.process`) nor anything in comments or strings.
 *
 * @param source JavaScript or TypeScript source.
 * @returns Every use, in source order.
 */
export function findRuntimeGlobals(source: string): GlobalUse[] {
  const code = codeOnly(source);
  const names = RUNTIME_GLOBALS.join("|");
  const pattern = new RegExp(
    `(?:\\b(?:globalThis|self|window)\\s*\\??\\.\\s*|(?<![\\w$#.]))(${names})(?![\\w$])`,
    "g",
  );
  const uses: GlobalUse[] = [];
  for (const match of code.matchAll(pattern)) {
    const line = code.slice(0, match.index).split("\n").length;
    uses.push({ name: match[1]!, line });
  }
  return uses;
}

/**
 * Turns a `publish.include`/`exclude` glob of deno.json into a test of a
 * relative path: `*` matches within a folder, `**` across folders, and a
 * plain folder name matches everything in it.
 *
 * @param glob The glob, relative to deno.json.
 * @returns Whether a relative path matches it.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  let source = "";
  const g = glob.replace(/^\.\//, "").replace(/\/+$/, "");
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === "*" && g[i + 1] === "*") {
      source += g[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += g[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const regex = new RegExp(`^${source}(?:/.*)?$`);
  return (path) => regex.test(path);
}
