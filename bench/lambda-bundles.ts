// Bundles each route handler the way SST's Node runtime does for a deploy (pkg/runtime/node/build.go:
// esbuild, ESM, platform node, minified, keepNames, the runtime's ES target, its createRequire banner),
// then measures the bundle's size and its cold initialisation in a fresh Node process.
import { build, type Metafile } from "esbuild";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
  "",
].join("\n");

/** SST's Lambda runtime → esbuild target map. */
const ES_TARGET: Record<string, string> = { "nodejs24.x": "es2024", "nodejs22.x": "es2023", "nodejs20.x": "es2023" };

export interface Bundle {
  file: string;
  bytes: number;
  /** The heaviest packages in the bundle, by bytes of output, for naming what blows a budget. */
  heaviest: { name: string; bytes: number }[];
}

export async function bundleHandler(entry: string, runtime: string, outDir: string): Promise<Bundle> {
  const target = ES_TARGET[runtime];
  if (!target) throw new Error(`No esbuild target known for Lambda runtime ${runtime}: add it to ES_TARGET.`);
  const file = join(outDir, `${entry.replace(/[^\w]+/g, "_")}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    platform: "node",
    format: "esm",
    bundle: true,
    target,
    minify: true,
    keepNames: true,
    mainFields: ["module", "main"],
    banner: { js: SST_ESM_BANNER },
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  return { file, bytes: output!.bytes, heaviest: heaviestPackages(result.metafile) };
}

function heaviestPackages(metafile: Metafile) {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1]! : "(app code)";
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3);
}

/**
 * Spawns a fresh Node process that imports the bundle and invokes its handler once; returns the
 * milliseconds from just before the import to the invocation's result, as the child measured them.
 */
export async function coldInitMs(bundle: string, event: unknown, env: Record<string, string> = {}): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "bench-init-"));
  const probe = join(dir, "probe.mjs");
  await writeFile(
    probe,
    `const start = performance.now();
const { handler } = await import(${JSON.stringify(bundle)});
const result = await handler(${JSON.stringify(event)});
if (!result || typeof result.statusCode !== "number") throw new Error("no response");
process.stdout.write(JSON.stringify({ ms: performance.now() - start, status: result.statusCode }));`,
  );
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [probe], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`${bundle} failed to initialise (exit ${code})`)),
      );
    });
    const { ms, status } = JSON.parse(stdout) as { ms: number; status: number };
    if (status >= 500) throw new Error(`${bundle} answered ${status} on its first invocation`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RouteHandler {
  route: string;
  /** Source file of the handler, relative to the repo root. */
  entry: string;
  runtime: string;
}
