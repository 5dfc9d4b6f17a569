import { type ClientSettings, VITE_NAMES } from "@iam-auth-api/client/settings";

/**
 * The app's settings, fixed at build time: Vite replaces each `import.meta.env.VITE_…` below with
 * its value, so a build carries exactly the stage it was built for.
 */
const built: Record<keyof ClientSettings, string | undefined> = {
  region: import.meta.env.VITE_REGION,
  apiUrl: import.meta.env.VITE_API_URL,
  userPoolId: import.meta.env.VITE_USER_POOL_ID,
  userPoolClientId: import.meta.env.VITE_USER_POOL_CLIENT_ID,
  identityPoolId: import.meta.env.VITE_IDENTITY_POOL_ID,
  bucket: import.meta.env.VITE_BUCKET,
};

/** The variables this build lacks, by their names in `.env.local` and in infra/web.ts. */
export const missingSettings = (Object.keys(built) as Array<keyof ClientSettings>)
  .filter((setting) => !built[setting])
  .map((setting) => VITE_NAMES[setting]);

export const settings = built as ClientSettings;
