#!/usr/bin/env node
import { existsSync } from "node:fs";

const entry = new URL("../dist/main.mjs", import.meta.url);
if (!existsSync(entry)) {
  console.error("iam-api is not built yet: run `npm install` (or `npm run build -w packages/cli`) in the repository root.");
  process.exit(1);
}
await import(entry.href);
