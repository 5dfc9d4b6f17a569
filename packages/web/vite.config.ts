import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  // The port the README, and the API's and bucket's CORS on non-production stages, expect.
  server: { port: 5173, strictPort: true },
});
