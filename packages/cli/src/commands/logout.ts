import type { Command } from "commander";
import type { CliError } from "../cli-error";
import type { Context } from "../context";
import { SESSION_OUTPUTS } from "../outputs";

export function define(command: Command, context: Context): void {
  command.action(async () => {
    const [{ appSettings }, { readSession, sessionFile, deleteSession }, { revokeRefreshToken }] = await Promise.all([
      import("../session"),
      import("../session-store"),
      import("../user-pool"),
    ]);
    const settings = appSettings(await context.outputs(SESSION_OUTPUTS), context.invocation());
    const file = sessionFile(context.env, settings.userPool);
    const session = await readSession(file);
    let revoked = false;
    if (session?.signIn.method === "userPool") {
      const done = context.progress("Revoking the refresh token");
      // Deleting the local copy matters most; a revoke that fails must not keep the user logged in.
      try {
        await revokeRefreshToken(settings, session.signIn, context.env);
        revoked = true;
      } catch (error) {
        done();
        context.io.stderr.write(`Warning: the refresh token was not revoked: ${(error as CliError).message}\n`);
      }
      done();
    }
    const deleted = await deleteSession(file);
    context.print(
      { loggedOut: deleted, revoked },
      deleted
        ? `Logged out${revoked ? " (refresh token revoked)" : ""}; deleted ${file}.`
        : "Not logged in: nothing to do.",
    );
  });
}
