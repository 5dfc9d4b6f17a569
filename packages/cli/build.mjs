// Bundles the CLI into dist/ so a command loads one file instead of hundreds of SDK modules.
// Code splitting keeps each command's SDK clients in their own chunk, loaded only when used.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export async function buildCli(outdir = join(here, "dist")) {
  await build({
    entryPoints: { main: join(here, "src/main.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    // The SDK's CommonJS modules call require() for Node built-ins, which ESM output lacks.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    logLevel: "warning",
  });
  return join(outdir, "main.mjs");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(process.argv[2]);
