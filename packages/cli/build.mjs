// Bundles the CLI into dist/ so a command loads a few files instead of hundreds of SDK modules.
// The warm path (the router, whoami and call) is one file, warm.mjs; every other command, commander
// and each SDK client are split into chunks in dist/lazy/, loaded only when used. Every module is
// bundled once: the lazy chunks import what they share with the warm path from warm.mjs.
import { readFile, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { build } from "esbuild";
import { basename, dirname, join, relative } from "node:path";
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

/** The commands a warm call runs: bundled into warm.mjs with the router; every other dynamic import stays lazy. */
const WARM_COMMANDS = /[\\/]src[\\/]commands[\\/](whoami|call)\.ts$/;
const SOURCES = join(here, "src");

const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  absWorkingDir: here,
  outExtension: { ".js": ".mjs" },
  logLevel: "warning",
};

/** Where `args` leads, as esbuild would resolve it without the plugin asking. */
async function resolved(build, args) {
  if (args.pluginData?.resolving) return undefined;
  const { path, errors } = await build.resolve(args.path, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData: { resolving: true },
  });
  return errors.length === 0 ? path : undefined;
}

/**
 * On the warm path, a dynamic import stays lazy (external: one file in dist/lazy/ each) unless it
 * is a warm command; `lazy` collects the modules so imported, the lazy build's entries. main.ts's
 * import of the router is warm.mjs.
 */
function lazyImports(lazy) {
  return {
    name: "lazy-imports",
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const path = await resolved(build, args);
        if (path === undefined || WARM_COMMANDS.test(path)) return undefined;
        if (path === join(SOURCES, "cli.ts")) return { path: "./warm.mjs", external: true };
        const name = lazyName(path);
        lazy.set(name, path);
        return { path: `./lazy/${name}.mjs`, external: true };
      });
    },
  };
}

/** `src/commands/login.ts` → `commands-login`: every lazy file in one folder, so that each finds ../warm.mjs. */
function lazyName(path) {
  const name = relative(SOURCES, path).replace(/\.ts$/, "");
  if (name.startsWith("..")) throw new Error(`${path}: a lazily imported module outside src/`);
  return name.replaceAll(/[\\/]/g, "-");
}

/**
 * In the lazy build, a module of the warm path is re-exported from warm.mjs, never a second copy:
 * one CliError class for `instanceof`, one state per module. `used` collects those modules:
 * warm.mjs exports theirs only, so that the rest stays tree-shaken.
 */
function warmModules(warmPath, used) {
  const couldBeWarm = warmImport(warmPath);
  return {
    name: "warm-modules",
    setup(build) {
      build.onResolve({ filter: /^\.\.\/warm\.mjs$/ }, (args) => ({ path: args.path, external: true }));
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.namespace !== "file" || !couldBeWarm(args.path)) return undefined;
        const path = await resolved(build, args);
        // esbuild's metafile names inputs with forward slashes, on Windows too.
        const input = path && relative(here, path).replaceAll("\\", "/");
        return warmPath.has(input) ? { path: input, namespace: "warm" } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: "warm" }, (args) => {
        const module = warmPath.get(args.path);
        used.add(args.path);
        const names = module.exports.map((name) => `${module.prefix}${name} as ${name}`);
        return { contents: `export { ${names.join(", ")} } from "../warm.mjs";`, loader: "js" };
      });
    },
  };
}

/**
 * Whether an import could name a module of the warm path: by its file name, or its package's name.
 * Only those are resolved again, not the thousands of the SDK's (a second copy missed here would
 * still fail the build).
 */
function warmImport(warmPath) {
  const stem = (path) => basename(path).replace(/\..*$/, "");
  const packageOf = (specifier) => /^(@[^/]+\/)?[^/.][^/]*/.exec(specifier)?.[0];
  const names = new Set([...warmPath.keys()].map(stem));
  const packages = new Set(
    [...warmPath.keys()].map((input) => /.*node_modules\/((@[^/]+\/)?[^/]+)/.exec(input)?.[1]).filter(Boolean),
  );
  return (specifier) => names.has(stem(specifier)) || packages.has(packageOf(specifier));
}

/**
 * The modules of the warm path (the router's, whoami's and call's, by path from here), each with
 * its exports and the prefix warm.mjs gives them; and the modules they import lazily.
 */
async function warmPathModules() {
  const lazy = new Map();
  const plugins = [aws4fetchOnNode, builtinsWithoutNamespaces, lazyImports(lazy)];
  const reached = await build({
    ...common,
    entryPoints: [join(SOURCES, "cli.ts")],
    write: false,
    metafile: true,
    plugins,
  });
  const inputs = Object.keys(reached.metafile.inputs).filter((input) => !input.includes(":"));
  const analysed = await build({
    ...common,
    entryPoints: inputs,
    outdir: "analysis",
    write: false,
    metafile: true,
    plugins: [aws4fetchOnNode, builtinsWithoutNamespaces, lazyImports(new Map())],
  });
  const exports = new Map(
    Object.values(analysed.metafile.outputs).map((output) => [output.entryPoint, output.exports]),
  );
  const warmPath = new Map(
    inputs.map((input, index) => [input, { prefix: `warm$${index}$`, exports: exports.get(input) }]),
  );
  return { warmPath, lazy };
}

/**
 * Every other command, commander and the SDK clients, split into chunks that each load only when
 * used. Returns the modules of the warm path they import.
 */
async function buildLazyModules(outdir, { warmPath, lazy }) {
  const used = new Set();
  const { metafile } = await build({
    ...common,
    entryPoints: Object.fromEntries(lazy),
    outdir: join(outdir, "lazy"),
    splitting: true,
    chunkNames: "[name]-[hash]",
    // The SDK's CommonJS modules call require() for Node built-ins, which ESM output lacks.
    banner: { js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);' },
    metafile: true,
    plugins: [aws4fetchOnNode, builtinsWithoutNamespaces, warmModules(warmPath, used)],
  });
  const copies = Object.keys(metafile.inputs).filter((input) => warmPath.has(input));
  if (copies.length > 0) throw new Error(`The lazy chunks would bundle a second copy of ${copies.join(", ")}`);
  return used;
}

/**
 * The warm path in two files: main.mjs, the entry, compiled before Node's compile cache is on (so
 * it stays small), and warm.mjs: the router, the fast path, whoami and call with all they import in
 * one file, since ESM loads each file at a cost (a warm call used to load about 18). warm.mjs also
 * exports, prefixed, what the lazy modules import of it.
 */
async function buildWarmPath(outdir, { warmPath }, used) {
  const plugins = [aws4fetchOnNode, builtinsWithoutNamespaces, lazyImports(new Map())];
  await build({ ...common, entryPoints: { main: join(SOURCES, "main.ts") }, outdir, plugins });
  const contents = [
    `export * from ${JSON.stringify(join(SOURCES, "cli.ts"))};`,
    ...[...used].sort().map((input) => {
      const { prefix, exports } = warmPath.get(input);
      const names = exports.map((name) => `${name} as ${prefix}${name}`);
      return `export { ${names.join(", ")} } from ${JSON.stringify(join(here, input))};`;
    }),
  ];
  await build({
    ...common,
    stdin: { contents: contents.join("\n"), resolveDir: SOURCES, sourcefile: "warm.ts", loader: "ts" },
    outfile: join(outdir, "warm.mjs"),
    plugins,
  });
}

export async function buildCli(outdir = join(here, "dist")) {
  // Chunk names carry content hashes: without this, every build would leave the previous chunks behind.
  await rm(outdir, { recursive: true, force: true });
  const modules = await warmPathModules();
  await buildWarmPath(outdir, modules, await buildLazyModules(outdir, modules));
  return join(outdir, "main.mjs");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(process.argv[2]);
