// Stage settings: public, per-stage values read from the environment, which `sst` loads from
// `.env` and `.env.<stage>`. Secrets are never settings: they go through `npx sst secret set`.

/** A stage setting's value; unset and blank are the same. */
export function setting(name: string): string | undefined {
  return process.env[name]?.trim() || undefined;
}

/** The one-line error for a feature whose settings come in a set and only part of it is there. */
export function halfConfigured(feature: string, has: string, missing: string, fix: string): Error {
  return new Error(
    `${feature} is half-configured for stage "${$app.stage}": ${has} is set but ${missing} is not. ${fix}`,
  );
}
