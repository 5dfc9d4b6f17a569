import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv, type Plugin } from "vite";
// Relative, not the package name: Vite bundles a relative import into the config, while Node would
// refuse a .ts file under node_modules; with its extension, as Vite's native config loader will need.
import { DEV_SERVER_PORT } from "../client/src/dev-server.ts";
import { pageContentSecurityPolicy, pageEndpoints } from "../client/src/site-security.ts";

/**
 * A built page carries its Content-Security-Policy as its first <meta>, from the same VITE_*
 * settings the app connects with (the site's CSP header cannot name them: client/src/site-security.ts).
 * Builds only: the dev server injects inline scripts (React refresh) a strict policy would block.
 */
function contentSecurityPolicy(): Plugin {
  let policy = "";
  return {
    name: "content-security-policy",
    apply: "build",
    configResolved(config) {
      policy = pageContentSecurityPolicy(pageEndpoints(loadEnv(config.mode, config.envDir || config.root, "VITE_")));
    },
    transformIndexHtml: () => [
      { tag: "meta", attrs: { "http-equiv": "Content-Security-Policy", content: policy }, injectTo: "head-prepend" },
    ],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  // Non-production stages let this origin call the API and the bucket (infra/web-origins.ts): no other port.
  server: { port: DEV_SERVER_PORT, strictPort: true },
});
