// The warm path: a known command with arguments that need no interpretation is run without loading
// commander, whose import and set-up cost a warm call about a tenth of its time. Anything else —
// help, a usage error, a form of option this parser does not take — is commander's, unchanged.
import type { Command, Option } from "commander";
import type { Context } from "./context";

/** A command module: it declares its arguments, options and action on a commander-like builder. */
export interface CommandDefinition {
  define(command: Command, context: Context): void;
}

interface OptionSpec {
  long: string;
  /** Its key in the options object the action gets (`--token-secret` → `tokenSecret`), as commander names it. */
  key: string;
  takesValue: boolean;
  choices?: readonly string[];
  defaultValue?: unknown;
}

interface ArgumentSpec {
  required: boolean;
}

/** An option as declared: its flags, and for an Option object, the fields of commander's that change parsing (some untyped). */
type DeclaredOption = Pick<Option, "flags"> &
  Partial<Pick<Option, "parseArg" | "envVar" | "presetArg" | "mandatory" | "argChoices" | "defaultValue">> & {
    implied?: unknown;
    conflictsWith?: unknown[];
  };

/** A declared option, or undefined when it uses a form the fast path leaves to commander (short flags, optional or variadic values, negation, a parser…). */
function optionSpec(option: DeclaredOption): OptionSpec | undefined {
  const match = /^--([a-z][a-z\d]*(?:-[a-z\d]+)*)(?: <[^<>[\]]+>)?$/i.exec(option.flags);
  if (!match || match[1].startsWith("no-")) return undefined;
  if (
    // Commander's choices() is a parseArg of its own, checked here against argChoices.
    (option.parseArg !== undefined && option.argChoices === undefined) ||
    option.envVar !== undefined ||
    option.presetArg !== undefined ||
    option.mandatory ||
    option.implied !== undefined ||
    (option.conflictsWith?.length ?? 0) > 0
  )
    return undefined;
  return {
    long: `--${match[1]}`,
    key: match[1].replace(/-([a-z\d])/gi, (_, letter: string) => letter.toUpperCase()),
    takesValue: option.flags.includes("<"),
    choices: option.argChoices,
    defaultValue: option.defaultValue,
  };
}

/** The options every command takes, or that one command takes: declared as `{ flags }` like commander's. */
export function optionSpecs(options: readonly { flags: string }[]): OptionSpec[] | undefined {
  const specs = options.map(optionSpec);
  return specs.every((spec) => spec !== undefined) ? (specs as OptionSpec[]) : undefined;
}

/**
 * What a command's `define` declares, recorded without commander: the builder methods the command
 * modules use (`argument`, `option`, `addOption`, `action`). A form it does not take marks the
 * command as commander's.
 */
class Declaration {
  readonly arguments: ArgumentSpec[] = [];
  readonly options: OptionSpec[] = [];
  handler?: (...args: unknown[]) => unknown;
  supported = true;

  argument(name: string, _description?: string, ...rest: unknown[]): this {
    const match = /^(<[^<>[\]]+>|\[[^<>[\]]+\])$/.exec(name);
    if (!match || name.includes("...") || rest.length > 0) this.supported = false;
    else this.arguments.push({ required: name.startsWith("<") });
    return this;
  }

  option(flags: string, _description?: string, ...rest: unknown[]): this {
    const spec = optionSpec({ flags });
    if (!spec || rest.length > 0) this.supported = false;
    else this.options.push(spec);
    return this;
  }

  addOption(option: Option): this {
    const spec = optionSpec(option);
    if (!spec) this.supported = false;
    else this.options.push(spec);
    return this;
  }

  action(handler: (...args: unknown[]) => unknown): this {
    this.handler = handler;
    return this;
  }
}

type Options = Record<string, unknown>;

/**
 * Takes the options in `specs` out of `argv` wherever they stand, as commander does for the options
 * a program and its command declare; the rest in order. Undefined where commander could read `argv`
 * differently or would refuse it: an option it does not know, a value missing or not among the
 * choices, `--`, help.
 */
function takeOptions(
  argv: readonly string[],
  specs: readonly OptionSpec[],
): { options: Options; rest: string[] } | undefined {
  const options: Options = {};
  const rest: string[] = [];
  for (const spec of specs) if (spec.defaultValue !== undefined) options[spec.key] = spec.defaultValue;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--" || word === "-h" || word === "--help") return undefined;
    const [flag, inline] =
      word.startsWith("--") && word.includes("=")
        ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]
        : [word, undefined];
    const spec = specs.find((candidate) => candidate.long === flag);
    if (!spec) {
      rest.push(word);
      continue;
    }
    if (!spec.takesValue) {
      if (inline !== undefined) return undefined;
      options[spec.key] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (spec.choices && !spec.choices.includes(value))) return undefined;
    options[spec.key] = value;
  }
  return { options, rest };
}

/** A command ready to run, with the global options read from the command line. */
export interface FastCall<Globals> {
  globals: Globals;
  run(): Promise<unknown>;
}

/**
 * `argv` read without commander when it is `name` with arguments and options that `definition`
 * declares in the plain forms (`<arg>`, `[arg]`, `--flag`, `--option <value>`, `--option=value`),
 * global options anywhere, and nothing else; undefined otherwise, for commander to parse (and
 * explain). The action gets what commander would pass it: each argument (undefined when left
 * out), then the options object.
 */
export function fastCall<Globals>(
  argv: readonly string[],
  globalSpecs: readonly OptionSpec[],
  name: string,
  definition: CommandDefinition,
  context: Context,
): FastCall<Globals> | undefined {
  const declaration = new Declaration();
  // The declaration stands in for the subset of commander's Command that command modules call.
  definition.define(declaration as unknown as Command, context);
  const { handler } = declaration;
  if (!declaration.supported || handler === undefined) return undefined;
  // Commander reads the program's options first, anywhere on the line; then the command's in what is left.
  const global = takeOptions(argv, globalSpecs);
  if (!global || global.rest[0] !== name) return undefined;
  const own = takeOptions(global.rest.slice(1), declaration.options);
  if (!own) return undefined;
  const operands = own.rest;
  if (operands.some((word) => word.length > 1 && word.startsWith("-"))) return undefined;
  const expected = declaration.arguments;
  if (
    operands.length > expected.length ||
    expected.some((argument, i) => argument.required && operands[i] === undefined)
  )
    return undefined;
  const args = expected.map((_, i) => operands[i]);
  return { globals: global.options as Globals, run: async () => handler(...args, own.options) };
}
