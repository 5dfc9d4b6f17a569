// Bundled by evaluate.ts in place of SST's base-static-site.ts, which every static site component
// imports. It stands in for a site's build as the RPC server stands in for a Lambda's: the build
// command is still given to SST's `local.Command` (which the mocks do not run), and SST's check for
// the build's output finds an empty directory in the scratch space instead of the repository.
import { mkdtempSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { all } from "@pulumi/pulumi";
import * as sstStaticSite from "../../../.sst/platform/src/components/base/base-static-site";
import type { SiteBuild } from "./evaluation";

export * from "../../../.sst/platform/src/components/base/base-static-site";

/** The site builds the program asked for, with the output directory SST would have uploaded. */
export const siteBuilds: SiteBuild[] = [];

export const buildApp: typeof sstStaticSite.buildApp = (parent, name, build, sitePath, environment) => {
  if (!build) return sstStaticSite.buildApp(parent, name, build, sitePath, environment);
  const standIn = all([build, sitePath]).apply(([{ command, output }, path]) => {
    siteBuilds.push({ name, path, command, output });
    return { command, output: relative(resolve(path), mkdtempSync(join($cli.paths.work, "site-"))) };
  });
  return sstStaticSite.buildApp(parent, name, standIn, sitePath, environment);
};
