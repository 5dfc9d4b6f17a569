import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { constants, createWriteStream } from "node:fs";
import { copyFile, link, lstat, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { CliError } from "../cli-error";
import type { Context } from "../context";
import { filesContext } from "../files-context";

export function define(command: Command, context: Context): void {
  command
    .argument("<name>", "its name in your files (`iam-api ls` lists them)")
    .argument("[file]", "where to write it (default ./<name>; - for stdout)")
    .option("--force", "replace an existing file, or a symbolic link itself (never what it points to)")
    .action(async (name: string, file: string | undefined, options: { force?: boolean }) => {
      const [{ downloadFile }, files] = await Promise.all([import("../files"), filesContext(context)]);
      const target = file ?? basename(name);
      // Named in messages as the user gave it; written where it says from the working directory.
      const path = resolve(context.cwd, target);
      if (target !== "-" && !options.force) await refuseExisting(path, target, name);
      const done = context.progress(`Downloading ${name}`);
      const result =
        target === "-"
          ? await downloadFile(files, name, target, context.io.stdout)
          : await intoFile(path, target, Boolean(options.force), name, (output) =>
              downloadFile(files, name, "-", output),
            );
      done();
      if (target !== "-") context.print({ ...result, file: target }, `Downloaded ${name} to ${target}.`);
    });
}

/** Refuses a target that exists, a symbolic link above all (even one pointing nowhere): writing there could overwrite anything. */
async function refuseExisting(path: string, target: string, name: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (!existing) return;
  const what = existing.isSymbolicLink() ? "is a symbolic link" : "already exists";
  throw new CliError(
    "TargetExists",
    `${target} ${what}: pass --force to replace it${existing.isSymbolicLink() ? " (the link itself, never what it points to)" : ""}, or download to another file: iam-api download ${name} <file>.`,
  );
}

/**
 * Downloads into a new file beside `path` (the `target` the user named), then puts it in place in
 * one step: a hard link, which fails if anything appeared there meanwhile, or with --force a rename,
 * which replaces a symbolic link itself rather than writing through it. A failed download leaves
 * the target as it was.
 */
async function intoFile<T>(
  path: string,
  target: string,
  force: boolean,
  name: string,
  download: (output: NodeJS.WritableStream) => Promise<T>,
): Promise<T> {
  const partial = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.partial`);
  try {
    const output = createWriteStream(partial, { flags: "wx" });
    const closed = once(output, "close");
    const result = await download(output);
    await closed;
    if (force) await rename(partial, path);
    else await placeNew(partial, path, target, name);
    return result;
  } finally {
    await rm(partial, { force: true });
  }
}

/** `partial` becomes `path` unless something is there; where hard links are unsupported, an exclusive copy. */
async function placeNew(partial: string, path: string, target: string, name: string): Promise<void> {
  try {
    await link(partial, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") await refuseExisting(path, target, name);
    await copyFile(partial, path, constants.COPYFILE_EXCL).catch(async (copyError) => {
      if ((copyError as NodeJS.ErrnoException).code === "EEXIST") await refuseExisting(path, target, name);
      throw copyError;
    });
  }
}
