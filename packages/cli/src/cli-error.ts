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

/** A mistake in the command line (exit 2); the router adds where that command's help is. */
export class UsageError extends CliError {
  constructor(message: string) {
    super("Usage", message, 2);
  }
}
