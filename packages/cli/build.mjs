// Bundles the CLI into dist/ so a command loads a few files instead of hundreds of SDK modules.
// Code splitting keeps each command, and each SDK client, in its own chunk, loaded only when used.
import { readFile, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * aws4fetch's signer uses the global `Headers` and `crypto.subtle`, whose first use costs more than
 * Node's own start-up (undici, WebCrypto): within aws4fetch only, both come from src/aws4fetch-node.ts.
 */
const aws4fetchOnNode = {
  name: "aws4fetch-on-node",
  setup(build) {
    build.onLoad({ filter: /[\\/]aws4fetch[\\/]dist[\\/][^\\/]+\.m?js$/ }, async (args) => ({
      contents: `import { Headers, crypto } from ${JSON.stringify(join(here, "src/aws4fetch-node.ts"))};\n${await readFile(args.path, "utf8")}`,
      loader: "js",
      resolveDir: dirname(args.path),
    }));
  },
};

/** Imported by commander for executable subcommands, which this CLI has none of: loaded only if ever used (its default export only). */
const LOADED_ON_FIRST_USE = new Set(["node:child_process"]);
const WARM_PATH_IMPORTERS = /^(?!.*[\\/]node_modules[\\/])|[\\/]node_modules[\\/](commander|aws4fetch)[\\/]/;
const builtinPattern = new RegExp(`^(node:)?(${builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`);

/**
 * Node's built-in modules without ESM's cost: `import { x } from "node:util"` builds a namespace
 * of every export, calling lazy getters that load whole subsystems a command never uses (util's
 * TextDecoder, fs's promises, child_process's sockets…). Here each is `process.getBuiltinModule`
 * (Node ≥ 20.16) with its plain values as named exports and its lazy ones left for first use.
 */
const builtinsWithoutNamespaces = {
  name: "builtins-without-namespaces",
  setup(build) {
    // The code every command runs: ours, commander's and aws4fetch's. The SDK's, loaded only by
    // commands that talk to Cognito or S3, keeps its ESM imports.
    build.onResolve({ filter: builtinPattern }, (args) =>
      WARM_PATH_IMPORTERS.test(args.importer)
        ? { path: args.path.replace(/^(node:)?/, "node:"), namespace: "builtin" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => {
      const load = `process.getBuiltinModule(${JSON.stringify(args.path)})`;
      if (LOADED_ON_FIRST_USE.has(args.path)) {
        return {
          contents: `let loaded;\nexport default new Proxy({}, { get: (_, key) => (loaded ??= ${load})[key] });`,
          loader: "js",
        };
      }
      const exports = process.getBuiltinModule(args.path);
      const plain = Object.keys(exports).filter(
        (key) =>
          /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default" && !Object.getOwnPropertyDescriptor(exports, key)?.get,
      );
      return {
        contents: `const builtin = ${load};\nexport default builtin;\nexport const { ${plain.join(", ")} } = builtin;`,
        loader: "js",
      };
    });
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
    banner: { js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);' },
    plugins: [aws4fetchOnNode, builtinsWithoutNamespaces],
    logLevel: "warning",
  });
  return join(outdir, "main.mjs");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(process.argv[2]);
