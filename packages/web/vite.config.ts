import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
// Relative, not the package name: Vite bundles a relative import into the config, while Node would
// refuse a .ts file under node_modules; with its extension, as Vite's native config loader will need.
import { DEV_SERVER_PORT } from "../client/src/dev-server.ts";

export default defineConfig({
  plugins: [react()],
  // Non-production stages let this origin call the API and the bucket (infra/web-origins.ts): no other port.
  server: { port: DEV_SERVER_PORT, strictPort: true },
});
