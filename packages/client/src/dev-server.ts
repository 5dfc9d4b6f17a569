/** Where `npm run dev -w packages/web` (Vite) serves the web client; non-production stages accept it as a CORS origin. */
export const DEV_SERVER_PORT = 5173;
export const DEV_SERVER_ORIGIN = `http://localhost:${DEV_SERVER_PORT}`;
