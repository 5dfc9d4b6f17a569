/** The values `sst.config.ts` returns that a client needs; `sst deploy` and `sst dev` write them to `.sst/outputs.json`. */
export const OUTPUT_NAMES = ["Api", "Region", "UserPool", "UserPoolClient", "IdentityPool", "Bucket"] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** What a client app is configured with, named as AWS's client libraries name them. */
export interface ClientSettings {
  region: string;
  apiUrl: string;
  userPoolId: string;
  userPoolClientId: string;
  identityPoolId: string;
  bucket: string;
}

/** Each setting and the output it comes from. */
export const SETTING_OUTPUTS: Record<keyof ClientSettings, OutputName> = {
  region: "Region",
  apiUrl: "Api",
  userPoolId: "UserPool",
  userPoolClientId: "UserPoolClient",
  identityPoolId: "IdentityPool",
  bucket: "Bucket",
};

/** The build-time variables of the web client (the SST guide's names), one per setting. */
export const VITE_NAMES: Record<keyof ClientSettings, string> = {
  region: "VITE_REGION",
  apiUrl: "VITE_API_URL",
  userPoolId: "VITE_USER_POOL_ID",
  userPoolClientId: "VITE_USER_POOL_CLIENT_ID",
  identityPoolId: "VITE_IDENTITY_POOL_ID",
  bucket: "VITE_BUCKET",
};

export function clientSettings(outputs: Record<OutputName, string>): ClientSettings {
  return Object.fromEntries(
    Object.entries(SETTING_OUTPUTS).map(([setting, output]) => [setting, outputs[output]]),
  ) as unknown as ClientSettings;
}

/** The web client's build-time variables for these settings, by name. */
export function viteVariables(settings: ClientSettings): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(VITE_NAMES) as Array<keyof ClientSettings>).map((setting) => [VITE_NAMES[setting], settings[setting]]),
  );
}

/** `KEY=value` lines a Vite dev server reads from `.env.local`, pointing it at the stage these settings come from. */
export function viteEnv(settings: ClientSettings): string {
  return Object.entries(viteVariables(settings))
    .map(([name, value]) => `${name}=${value}\n`)
    .join("");
}

/** `UserPoolClient` → `IAM_API_USER_POOL_CLIENT`: the CLI's override of one output. */
export function outputEnvName(name: OutputName): string {
  return `IAM_API_${name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/** The identity pool's name for this app's user pool: the key of its `Logins` map for a user pool id token. */
export function userPoolProviderName(region: string, userPool: string): string {
  return `cognito-idp.${region}.amazonaws.com/${userPool}`;
}
