#!/usr/bin/env node
// node:fs as CommonJS: an ESM import of it would load fs/promises too, on every command.
const { existsSync } = process.getBuiltinModule("node:fs");

const entry = new URL("../dist/main.mjs", import.meta.url);
if (!existsSync(entry)) {
  console.error(
    "iam-api is not built yet: run `npm install` (or `npm run build -w packages/cli`) in the repository root.",
  );
  process.exit(1);
}
await import(entry.href);
