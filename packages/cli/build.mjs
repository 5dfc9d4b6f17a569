// Bundles the CLI into dist/ so a command loads a few files instead of hundreds of SDK modules.
// Code splitting keeps each command, and each SDK client, in its own chunk, loaded only when used.
import { readFile, rm } from "node:fs/promises";
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * aws4fetch's signer builds its headers with the global `Headers`, whose first use loads undici
 * (≈ 55 ms on Node 24): within aws4fetch only, `Headers` is src/signing-headers.ts instead.
 */
const signingHeaders = {
  name: "aws4fetch-signing-headers",
  setup(build) {
    build.onLoad({ filter: /[\\/]aws4fetch[\\/]dist[\\/][^\\/]+\.m?js$/ }, async (args) => ({
      contents: `import { SigningHeaders as Headers } from ${JSON.stringify(join(here, "src/signing-headers.ts"))};\n${await readFile(args.path, "utf8")}`,
      loader: "js",
      resolveDir: dirname(args.path),
    }));
  },
};

export async function buildCli(outdir = join(here, "dist")) {
  // Chunk names carry content hashes: without this, every build would leave the previous chunks behind.
  await rm(outdir, { recursive: true, force: true });
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
    plugins: [signingHeaders],
    logLevel: "warning",
  });
  return join(outdir, "main.mjs");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(process.argv[2]);
