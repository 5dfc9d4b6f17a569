import type { Context } from "./context";
import type { FilesContext } from "./files";
import { SESSION_OUTPUTS } from "./outputs";
import { appSettings, currentSession } from "./session";

/** The bucket and the signed-in session every file command works with. */
export async function filesContext(context: Context): Promise<FilesContext> {
  const outputs = await context.outputs(["Bucket", ...SESSION_OUTPUTS]);
  const settings = appSettings(outputs, context.invocation());
  return {
    bucket: outputs.Bucket,
    region: settings.region,
    session: await currentSession(settings, context.env),
    env: context.env,
    cwd: context.cwd,
    invocation: settings.invocation,
  };
}
