import { Option, type Command } from "commander";
import { FEDERATED_PROVIDERS, type FederatedProvider } from "@iam-auth-api/client/providers";
import { UsageError } from "../cli-error";
import { checkEmail, type Context } from "../context";
import { SESSION_OUTPUTS } from "../outputs";
import { readSecret } from "../terminal";

interface LoginOptions {
  provider?: FederatedProvider;
  token?: string;
  tokenSecret?: string;
  domain?: string;
}

export function define(command: Command, context: Context): void {
  command
    .argument("[email]", "the user pool account to sign in as")
    .addOption(
      new Option("--provider <name>", "sign in with this provider's token instead").choices(
        Object.keys(FEDERATED_PROVIDERS),
      ),
    )
    .option(
      "--token <token>",
      "the provider's token (twitter: the access token; auth0, google, apple: the id_token; facebook, amazon: the access token); - reads it from stdin, out of shell history",
    )
    .option("--token-secret <secret>", "twitter: the access token secret; - reads it from stdin")
    .option(
      "--domain <domain>",
      "auth0: the tenant domain, when the id_token's iss does not name it (e.g. a custom domain)",
    )
    .action(async (email: string | undefined, options: LoginOptions) => {
      if (options.provider !== undefined) return federatedLogin(context, options.provider, email, options);
      if (options.token !== undefined || options.tokenSecret !== undefined || options.domain !== undefined) {
        throw new UsageError(
          "--token, --token-secret and --domain go with --provider, e.g. `iam-api login --provider google --token -`",
        );
      }
      if (email === undefined)
        throw new UsageError("login needs an email address, e.g. `iam-api login me@example.com`, or --provider");
      checkEmail(email);
      const outputs = await context.outputs(SESSION_OUTPUTS);
      const password = await readSecret(context.io, `Password for ${email}: `);
      const [{ signInWithSrp }, { appSettings, startSession }] = await Promise.all([
        import("../user-pool"),
        import("../session"),
      ]);
      const settings = appSettings(outputs, context.invocation());
      const done = context.progress("Signing in");
      const session = await startSession(
        settings,
        await signInWithSrp(settings, email, password, context.env),
        context.env,
      );
      done();
      const until = new Date(session.credentials.expiresAt).toISOString();
      context.print(
        { email, identityId: session.identityId, credentialsExpireAt: until },
        `Logged in as ${email} (identity ${session.identityId}); credentials renew automatically, next at ${until}.`,
      );
    });
}

/** `login --provider`: the provider's token, traded for the same cached credentials as a user pool sign-in. */
async function federatedLogin(
  context: Context,
  name: FederatedProvider,
  email: string | undefined,
  options: LoginOptions,
): Promise<void> {
  if (email !== undefined) throw new UsageError(`login --provider takes no email address (got "${email}")`);
  const [{ checkFederatedOptions, federatedSignIn, tokenExpiresAt }, { appSettings, startSession }] = await Promise.all(
    [import("../federation"), import("../session")],
  );
  const { label, token: kind } = FEDERATED_PROVIDERS[name];
  const { token, tokenSecret, domain } = options;
  if (token === undefined)
    throw new UsageError(`login --provider ${name} needs --token <${kind}> (or --token - to type or pipe it)`);
  if (token === "-" && tokenSecret === "-")
    throw new UsageError("Only one of --token and --token-secret can be read from stdin");
  checkFederatedOptions(name, { tokenSecret, domain });
  const settings = appSettings(await context.outputs(SESSION_OUTPUTS), context.invocation());
  // "-" keeps the value out of shell history and the process list.
  const orStdin = (value: string, what: string) => (value === "-" ? readSecret(context.io, `${what}: `, what) : value);
  const signIn = federatedSignIn(name, {
    token: await orStdin(token, `${label} ${kind}`),
    tokenSecret: tokenSecret === undefined ? undefined : await orStdin(tokenSecret, `${label} access token secret`),
    domain,
  });
  const done = context.progress(`Signing in with ${label}`);
  const session = await startSession(settings, signIn, context.env);
  done();
  const until = new Date(session.credentials.expiresAt).toISOString();
  const tokenExpiry = tokenExpiresAt(signIn);
  const renewal =
    tokenExpiry === undefined
      ? `credentials renew automatically while ${label} accepts the token, next at ${until}`
      : `credentials renew automatically until the ${label} ${kind} expires at ${new Date(tokenExpiry).toISOString()}, next at ${until}`;
  context.print(
    { provider: name, providerName: signIn.providerName, identityId: session.identityId, credentialsExpireAt: until },
    `Logged in with ${label} (identity ${session.identityId}); ${renewal}.`,
  );
}
