import { existsSync } from "node:fs";
import { join } from "node:path";

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** `packages/functions/src/files.handler` → the source file and the export SST's build will look for. */
export function resolveHandler(root: string, handler: string): { file: string | undefined; exportName: string } {
  const dot = handler.lastIndexOf(".");
  const base = join(root, handler.slice(0, dot));
  return { file: EXTENSIONS.map((extension) => base + extension).find(existsSync), exportName: handler.slice(dot + 1) };
}
