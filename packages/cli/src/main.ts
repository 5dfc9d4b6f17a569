// The entry: as little as possible before the router, so that a warm call starts fast.
import { mkdirSync, statSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { cacheDirectory, unsafeCache } from "./cache-directory";

// Node ≥ 22.1 keeps the compiled bundle beside the credential cache: later runs skip most parsing
// and compiling. Only in a cache that is the user's own: code read from a planted one would run.
try {
  const cache = cacheDirectory(process.env);
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  if (unsafeCache(statSync(cache), "directory")) throw new Error(`${cache} is not private`);
  const directory = join(cache, "compile-cache");
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (unsafeCache(statSync(directory), "directory")) throw new Error(`${directory} is not private`);
  // Typed by @types/node 22+; the project's types are Node 20's.
  (module as { enableCompileCache?: (directory: string) => unknown }).enableCompileCache?.(directory);
} catch {
  // A cache that cannot be written, or is not private, only costs speed.
}

const { main } = await import("./cli");
process.exitCode = await main(process.argv.slice(2), process.env, process);
