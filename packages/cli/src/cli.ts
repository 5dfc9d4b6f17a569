import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { CliError, UsageError } from "./cli-error";
import { FEDERATED_PROVIDERS, isFederatedProvider } from "@iam-auth-api/client/providers";
import { OUTPUT_NAMES, clientSettings, outputEnvName, viteEnv } from "@iam-auth-api/client/settings";
import { checkFederatedOptions, federatedSignIn, tokenExpiresAt } from "./federation";
import { DEFAULT_OUTPUTS_FILE, loadOutputs, type Outputs } from "./outputs";
import { appSettings, currentSession } from "./session";
import { CACHE_DIR_ENV } from "./session-store";
import { progress, readSecret, type Io } from "./terminal";

// Only light modules are imported above: each command loads its SDK client when it runs,
// so `--help` and a cached `call` never pay for the Cognito or S3 clients.

const HELP = `iam-api: sign up, log in and call the IAM-authenticated API of this app.

Usage: iam-api <command> [arguments] [options]

Commands:
  signup <email>              Create a user; the password is prompted without echo, or read from stdin
  confirm <email> <code>      Confirm the user with the emailed code
  confirm <email> --admin     Confirm with your own AWS credentials (as admin-confirm-sign-up)
  login <email>               Sign in with SRP (the password never leaves this machine) and
                              cache tokens and temporary AWS credentials
  login --provider <name> --token <token|->
                              Sign in with a provider's token instead: the credentials are cached
                              and renewed the same way, until the token expires. The token:
                                twitter: the access token, with --token-secret <secret|->
                                auth0, google, apple: the id_token
                                facebook, amazon: the access token
                              - reads it from stdin (typed without echo), out of shell history
                              --domain <domain>   auth0: the tenant domain, when the id_token's
                                                  iss does not name it (e.g. a custom domain)
  logout                      Revoke the refresh token and delete the cached credentials
  whoami                      Same as \`call GET /private\`
  call <METHOD> <path>        SigV4-signed request to the API; prints the body (status on stderr)
                              --data <text|@file>   request body (JSON is sent as application/json)
  upload <file> [name]        Store a file under your own prefix, private/<identityId>/
  ls                          List your files
  download <name> [file]      Fetch a file (to ./<name> by default, - for stdout)
  rm <name>                   Delete a file
  config [--format json|env]  The client settings a web or mobile app needs

Options:
  --outputs <file>  Deploy outputs to read (default ${DEFAULT_OUTPUTS_FILE}, written by \`npx sst deploy\` or \`npx sst dev\`)
  --json            Machine-readable output on stdout; errors as JSON on stderr
  -h, --help        This help

Environment:
  ${OUTPUT_NAMES.map(outputEnvName).join(", ")}
                    Override single outputs
  ${CACHE_DIR_ENV}     Where credentials are cached (default: $XDG_CACHE_HOME/iam-api or ~/.cache/iam-api)
  IAM_API_TEST_ENDPOINT_COGNITO_IDP, IAM_API_TEST_ENDPOINT_COGNITO_IDENTITY, IAM_API_TEST_ENDPOINT_S3
                    Tests and local emulators only: send Cognito and S3 requests to these URLs
`;

interface Context {
  args: string[];
  options: { outputs?: string; json: boolean; data?: string; admin: boolean; format?: string; provider?: string; token?: string; "token-secret"?: string; domain?: string };
  env: NodeJS.ProcessEnv;
  io: Io;
  outputs(): Promise<Outputs>;
  /** Prints the command's result: `json` with --json, else the text. */
  print(json: unknown, text: string): void;
  progress(label: string): () => void;
}

const COMMANDS: Record<string, (context: Context) => Promise<void>> = {
  async signup(context) {
    const email = emailArgument(context);
    const { signUp } = await import("./user-pool");
    const password = await newPassword(context, email);
    const done = context.progress("Signing up");
    const result = await signUp(userPoolSettings(await context.outputs()), email, password, context.env).finally(done);
    context.print(
      { email, ...result },
      result.confirmed
        ? `Signed up ${email}. Log in with: iam-api login ${email}`
        : `Signed up ${email}. Confirm with the code sent to ${result.codeSentTo ?? "the address"}: iam-api confirm ${email} <code>  (or --admin with your AWS credentials)`,
    );
  },

  async confirm(context) {
    const email = emailArgument(context);
    const code = context.args[2];
    if (context.options.admin === (code !== undefined)) {
      throw new UsageError(`Confirm with either the emailed code (confirm ${email} <code>) or --admin`);
    }
    const { adminConfirmSignUp, confirmSignUp } = await import("./user-pool");
    const settings = userPoolSettings(await context.outputs());
    const done = context.progress("Confirming");
    await (code === undefined ? adminConfirmSignUp(settings, email, context.env) : confirmSignUp(settings, email, code, context.env)).finally(done);
    context.print({ email, confirmed: true }, `Confirmed ${email}. Log in with: iam-api login ${email}`);
  },

  async login(context) {
    const { provider, token, "token-secret": tokenSecret, domain } = context.options;
    if (provider !== undefined) return federatedLogin(context, provider);
    if (token !== undefined || tokenSecret !== undefined || domain !== undefined) {
      throw new UsageError("--token, --token-secret and --domain go with --provider, e.g. `iam-api login --provider google --token -`");
    }
    const email = emailArgument(context);
    const settings = appSettings(await context.outputs());
    const password = await readSecret(context.io, `Password for ${email}: `);
    const [{ signInWithSrp }, { startSession }] = await Promise.all([import("./user-pool"), import("./session")]);
    const done = context.progress("Signing in");
    const session = await signInWithSrp(settings, email, password, context.env)
      .then((signIn) => startSession(settings, signIn, context.env))
      .finally(done);
    const until = new Date(session.credentials.expiresAt).toISOString();
    context.print(
      { email, identityId: session.identityId, credentialsExpireAt: until },
      `Logged in as ${email} (identity ${session.identityId}); credentials renew automatically, next at ${until}.`,
    );
  },

  async logout(context) {
    const settings = appSettings(await context.outputs());
    const [{ readSession, sessionFile, deleteSession }, { revokeRefreshToken }] = await Promise.all([import("./session-store"), import("./user-pool")]);
    const file = sessionFile(context.env, settings.userPool);
    const session = await readSession(file);
    let revoked = false;
    if (session?.signIn.method === "userPool") {
      const done = context.progress("Revoking the refresh token");
      // Deleting the local copy matters most; a revoke that fails must not keep the user logged in.
      revoked = await revokeRefreshToken(settings, session.signIn, context.env).then(
        () => true,
        (error: CliError) => (context.io.stderr.write(`Warning: the refresh token was not revoked: ${error.message}\n`), false),
      );
      done();
    }
    const deleted = await deleteSession(file);
    context.print({ loggedOut: deleted, revoked }, deleted ? `Logged out${revoked ? " (refresh token revoked)" : ""}; deleted ${file}.` : "Not logged in: nothing to do.");
  },

  async whoami(context) {
    await signedCall(context, "GET", "/private");
  },

  async call(context) {
    const [, method, path] = context.args;
    if (!method || !path) throw new UsageError("call needs a method and a path, e.g. `iam-api call GET /private`");
    if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`"${method}" is not an HTTP method`);
    if (!path.startsWith("/")) throw new UsageError(`The path must start with / (got "${path}")`);
    await signedCall(context, method.toUpperCase(), path);
  },

  async upload(context) {
    const [, file, name] = context.args;
    if (!file) throw new UsageError("upload needs a file, e.g. `iam-api upload notes.txt`");
    const { uploadFile } = await import("./files");
    const files = await filesContext(context);
    const done = context.progress(`Uploading ${file}`);
    const entry = await uploadFile(files, file, name).finally(done);
    context.print(entry, `Uploaded ${file} (${entry.size} bytes) as ${entry.name} (key ${entry.key}).`);
  },

  async ls(context) {
    const { listFiles } = await import("./files");
    const listing = await listFiles(await filesContext(context));
    const rows = listing.files.map((file) => `${String(file.size).padStart(10)}  ${file.lastModified ?? ""}  ${file.name}`);
    context.print(listing, rows.length ? rows.join("\n") : "No files yet: store one with `iam-api upload <file>`.");
  },

  async download(context) {
    const [, name, file] = context.args;
    if (!name) throw new UsageError("download needs a file name, e.g. `iam-api download notes.txt`");
    const { downloadFile } = await import("./files");
    const files = await filesContext(context);
    const target = file ?? basename(name);
    const done = context.progress(`Downloading ${name}`);
    const result = await downloadFile(files, name, target, context.io.stdout).finally(done);
    if (target !== "-") context.print(result, `Downloaded ${name} to ${target}.`);
  },

  async rm(context) {
    const [, name] = context.args;
    if (!name) throw new UsageError("rm needs a file name, e.g. `iam-api rm notes.txt`");
    const { removeFile } = await import("./files");
    const result = await removeFile(await filesContext(context), name);
    context.print(result, `Deleted ${name}.`);
  },

  async config(context) {
    const format = context.options.format ?? "json";
    if (format !== "json" && format !== "env") throw new UsageError(`--format is json or env, not "${format}"`);
    const outputs = await context.outputs();
    const settings = clientSettings({
      Api: outputs.get("Api"),
      Region: outputs.get("Region"),
      UserPool: outputs.get("UserPool"),
      UserPoolClient: outputs.get("UserPoolClient"),
      IdentityPool: outputs.get("IdentityPool"),
      Bucket: outputs.get("Bucket"),
    });
    context.io.stdout.write(format === "env" ? viteEnv(settings) : `${JSON.stringify(settings, null, 2)}\n`);
  },
};

/** `login --provider`: the provider's token, traded for the same cached credentials as a user pool sign-in. */
async function federatedLogin(context: Context, name: string): Promise<void> {
  if (!isFederatedProvider(name)) throw new UsageError(`--provider is one of ${Object.keys(FEDERATED_PROVIDERS).join(", ")}, not "${name}"`);
  if (context.args.length > 1) throw new UsageError(`login --provider takes no email address (got "${context.args[1]}")`);
  const { label, token: kind } = FEDERATED_PROVIDERS[name];
  const { token, "token-secret": tokenSecret, domain } = context.options;
  if (token === undefined) throw new UsageError(`login --provider ${name} needs --token <${kind}> (or --token - to type or pipe it)`);
  if (token === "-" && tokenSecret === "-") throw new UsageError("Only one of --token and --token-secret can be read from stdin");
  checkFederatedOptions(name, { tokenSecret, domain });
  const settings = appSettings(await context.outputs());
  // "-" keeps the value out of shell history and the process list.
  const orStdin = (value: string, what: string) => (value === "-" ? readSecret(context.io, `${what}: `, what) : value);
  const signIn = federatedSignIn(name, {
    token: await orStdin(token, `${label} ${kind}`),
    tokenSecret: tokenSecret === undefined ? undefined : await orStdin(tokenSecret, `${label} access token secret`),
    domain,
  });
  const { startSession } = await import("./session");
  const done = context.progress(`Signing in with ${label}`);
  const session = await startSession(settings, signIn, context.env).finally(done);
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

async function signedCall(context: Context, method: string, path: string): Promise<void> {
  const outputs = await context.outputs();
  const api = outputs.get("Api");
  const region = outputs.get("Region");
  const session = await currentSession(appSettings(outputs), context.env);
  const { signedApiRequest } = await import("./api");
  const body = await requestBody(context.options.data);
  const response = await signedApiRequest(api, region, session.credentials, { method, path, ...body });
  const status = `${response.status} ${response.statusText}`.trim();

  if (response.status === 403) {
    throw new CliError(
      "Forbidden",
      `The API answered 403 to ${method} ${path}: usual causes are outputs of another stage or region (check ${DEFAULT_OUTPUTS_FILE} or --outputs), an identity that is not authenticated, or credentials from another identity pool; log in again with the current outputs. API said: ${response.body.slice(0, 200).replace(/\s+/g, " ")}`,
    );
  }
  if (response.status === 429) throw new CliError("Throttled", `The API is throttling requests (429 to ${method} ${path}): wait a moment, then try again.`);

  const parsed = response.contentType.includes("json") ? safeJson(response.body) : undefined;
  if (context.options.json) {
    context.io.stdout.write(`${JSON.stringify({ status: response.status, contentType: response.contentType, body: parsed ?? response.body })}\n`);
  } else {
    context.io.stderr.write(`HTTP ${status}\n`);
    context.io.stdout.write(parsed === undefined ? ensureNewline(response.body) : `${JSON.stringify(parsed, null, 2)}\n`);
  }
  if (response.status >= 400) throw new CliError("HttpError", `${method} ${path} failed with HTTP ${status}.`);
}

async function requestBody(data: string | undefined): Promise<{ body?: string; contentType?: string }> {
  if (data === undefined) return {};
  let body = data;
  if (data.startsWith("@")) {
    try {
      body = await readFile(data.slice(1), "utf8");
    } catch {
      throw new CliError("FileNotFound", `Cannot read ${data.slice(1)} for --data: pass an existing file after @, or the body itself.`);
    }
  }
  return { body, contentType: safeJson(body) === undefined ? "text/plain; charset=utf-8" : "application/json" };
}

async function filesContext(context: Context) {
  const outputs = await context.outputs();
  const bucket = outputs.get("Bucket");
  const settings = appSettings(outputs);
  return { bucket, region: settings.region, session: await currentSession(settings, context.env), env: context.env };
}

function userPoolSettings(outputs: Outputs) {
  return { region: outputs.get("Region"), userPool: outputs.get("UserPool"), userPoolClient: outputs.get("UserPoolClient") };
}

function emailArgument(context: Context): string {
  const [command, email] = context.args;
  if (!email) throw new UsageError(`${command} needs an email address, e.g. \`iam-api ${command} me@example.com\``);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`"${email}" is not an email address`);
  return email;
}

async function newPassword(context: Context, email: string): Promise<string> {
  const password = await readSecret(context.io, `New password for ${email}: `);
  if (context.io.stdin.isTTY && (await readSecret(context.io, "Repeat it: ")) !== password) {
    throw new CliError("PasswordMismatch", "The two passwords differ: run signup again.");
  }
  return password;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") || text === "" ? text : `${text}\n`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const json = argv.includes("--json");
  try {
    const { values, positionals } = parseArguments(argv);
    if (values.help || positionals.length === 0) {
      io.stdout.write(HELP);
      return 0;
    }
    const command = COMMANDS[positionals[0]];
    if (!command) throw new UsageError(`Unknown command "${positionals[0]}"`);
    let outputs: Promise<Outputs> | undefined;
    await command({
      args: positionals,
      options: values,
      env,
      io,
      outputs: () => (outputs ??= loadOutputs(values.outputs, env)),
      print: (result, text) => io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${text}\n`),
      progress: (label) => progress(io, values.json, label),
    });
    return 0;
  } catch (error) {
    const failure = error instanceof CliError ? error : new CliError("Unexpected", `Unexpected error: ${(error as Error)?.message ?? String(error)}`);
    io.stderr.write(json ? `${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n` : `iam-api: ${failure.message}\n`);
    return failure.exitCode;
  }
}

function parseArguments(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        outputs: { type: "string" },
        json: { type: "boolean", default: false },
        data: { type: "string" },
        admin: { type: "boolean", default: false },
        format: { type: "string" },
        provider: { type: "string" },
        token: { type: "string" },
        "token-secret": { type: "string" },
        domain: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    return { values, positionals };
  } catch (error) {
    // Node's later lines say what to do, e.g. `--token=-XYZ` for a value that starts with a dash.
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, " "));
  }
}
