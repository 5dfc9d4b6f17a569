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

/** An on/off stage setting (`on` or `off`, any case); unset means `fallback`. */
export function onOffSetting(name: string, fallback: boolean): boolean {
  const value = setting(name);
  if (value === undefined) return fallback;
  if (/^on$/i.test(value)) return true;
  if (/^off$/i.test(value)) return false;
  throw new Error(
    `${name} "${value}" is neither on nor off: set ${name}=on or ${name}=off in .env.${$app.stage}, or remove it for this stage's default (${fallback ? "on" : "off"}).`,
  );
}
