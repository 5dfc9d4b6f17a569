/**
 * The user pool's password policy (infra/auth.ts configures the pool with it), and the rule a client
 * shows before someone types a password. Cognito judges the password; this only says what it wants.
 */
export const PASSWORD_POLICY = {
  minimumLength: 8,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: true,
} as const;

export function passwordRule(policy: typeof PASSWORD_POLICY = PASSWORD_POLICY): string {
  const classes = [
    policy.requireLowercase && "a lower-case letter",
    policy.requireUppercase && "an upper-case letter",
    policy.requireNumbers && "a number",
    policy.requireSymbols && "a symbol",
  ].filter((item): item is string => Boolean(item));
  const list = classes.length > 1 ? `${classes.slice(0, -1).join(", ")} and ${classes.at(-1)}` : classes.join("");
  return `At least ${policy.minimumLength} characters${list ? `, with ${list}` : ""}.`;
}
