/** What one evaluation of the app asks for: the stage and what `sst` would put in the environment. */
export interface Scenario {
  stage: string;
  /** Extra environment variables, as `.env` files or the shell would provide them. */
  env?: Record<string, string>;
  /** Values set with `sst secret set <name> <value>` for this stage. */
  secrets?: Record<string, string>;
  /** The config to evaluate, relative to the repository root: the app's own `sst.config.ts` by default. */
  config?: string;
}

/**
 * A provider input or output, a policy document's field, an AWS JSON request body: JSON whose shape
 * depends on the resource type or operation, read here without a schema (Pulumi's own inputs are
 * typed only inside the program). The one place that opts out of type checking, and says so.
 */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON from Pulumi and AWS, read field by field
export type Json = any;

/** One resource the program registered, with inputs resolved as the engine would receive them. */
export interface PlannedResource {
  type: string;
  name: string;
  /** `type::name` of the parent component; undefined for top-level components. */
  parent?: string;
  custom: boolean;
  inputs: Record<string, Json>;
  /** Outputs the mocks computed (`id`, `arn`, …), so references between resources can be followed. */
  outputs: Record<string, Json>;
  options: { retainOnDelete: boolean; protect: boolean };
}

/** A `Runtime.Build` request from an `sst.aws.Function`: what the SST CLI would bundle. */
export interface Build {
  functionID: string;
  handler: string;
  runtime: string;
  architecture: string;
  /** The linked resources' properties by link name, which SST hands the function as `SST_RESOURCE_<name>`. */
  links: Record<string, Record<string, unknown>>;
}

/** A static site's build (SST's `build` option): what `sst deploy` would run in `path` and upload from `path/output`. */
export interface SiteBuild {
  /** The site component's name. */
  name: string;
  path: string;
  command: string;
  output: string;
}

export interface Evaluation {
  scenario: Scenario;
  app: { name: string; stage: string; removal: string; protect: boolean };
  resources: PlannedResource[];
  builds: Build[];
  siteBuilds: SiteBuild[];
  outputs: Record<string, Json>;
}

export const resourceKey = (resource: { type: string; name: string }) => `${resource.type}::${resource.name}`;

/** A provider input or policy field that holds one value or a list of them, as a list. */
export const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** What a dynamic resource's `__provider` input holds in an evaluation, in place of its serialized code (program.ts). */
export const UNSERIALIZED_PROVIDER =
  "(a dynamic provider's code: not serialized by the offline evaluation, which never runs it)";
