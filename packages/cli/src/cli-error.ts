/** A failure the user can act on: its message is the one line the CLI prints. */
export class CliError extends Error {
  constructor(
    /** Stable identifier for `--json` consumers, e.g. `NotLoggedIn`. */
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super("Usage", `${message} (see \`iam-api --help\`)`, 2);
  }
}
