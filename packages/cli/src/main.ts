// The entry: as little as possible before the router, so that a warm call starts fast.
import { mkdirSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { cacheDirectory } from "./cache-directory";

// Node ≥ 22.1 keeps the compiled bundle beside the credential cache: later runs skip most parsing and compiling.
try {
  const directory = join(cacheDirectory(process.env), "compile-cache");
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // Typed by @types/node 22+; the project's types are Node 20's.
  (module as { enableCompileCache?: (directory: string) => unknown }).enableCompileCache?.(directory);
} catch {
  // A cache that cannot be written only costs speed.
}

const { main } = await import("./cli");
process.exitCode = await main(process.argv.slice(2), process.env, process);
