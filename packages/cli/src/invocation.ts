/**
 * How this run chose its stack (`--local`, `--outputs <file>`): every command the CLI suggests next
 * repeats it, so that copying the suggestion reaches the same stack.
 */
export interface Invocation {
  /** `iam-api`, with the options that chose the stack, then `args`. */
  command(args: string): string;
  /** The stack `npm start` serves (`--local`, or `--outputs` naming its outputs): admin calls need no AWS credentials. */
  local: boolean;
}

export function invocation(
  globals: { local?: boolean; outputs?: string },
  localStack = globals.local === true,
): Invocation {
  const stack = globals.local ? " --local" : globals.outputs ? ` --outputs ${shellWord(globals.outputs)}` : "";
  return { command: (args) => `iam-api${stack} ${args}`, local: localStack };
}

/** The plain CLI, for callers that build settings without a command line (verify). */
export const DEFAULT_INVOCATION = invocation({});

/** The hint for `confirm --admin`: it signs with the deployer's AWS credentials, except locally. */
export function orAdmin(invoked: Invocation): string {
  return invoked.local ? "(or --admin)" : "(or --admin with your AWS credentials)";
}

function shellWord(word: string): string {
  return /^[\w./@:-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
