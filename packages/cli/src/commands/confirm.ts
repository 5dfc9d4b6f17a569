import type { Command } from "commander";
import { UsageError } from "../cli-error";
import { checkEmail, type Context } from "../context";
import { USER_POOL_OUTPUTS } from "../outputs";

export function define(command: Command, context: Context): void {
  command
    .argument("<email>", "the address signed up with")
    .argument("[code]", "the code emailed at sign-up")
    .option("--admin", "confirm with your AWS credentials (the deployer's) instead of the code")
    .action(async (email: string, code: string | undefined, options: { admin?: boolean }) => {
      checkEmail(email);
      if (Boolean(options.admin) === (code !== undefined))
        throw new UsageError(`Confirm with either the emailed code (confirm ${email} <code>) or --admin`);
      const outputs = await context.outputs(USER_POOL_OUTPUTS);
      const [{ adminConfirmSignUp, confirmSignUp }, { userPoolSettings }] = await Promise.all([
        import("../user-pool"),
        import("../session"),
      ]);
      const userPool = userPoolSettings(outputs, context.invocation());
      const done = context.progress("Confirming");
      await (code === undefined
        ? adminConfirmSignUp(userPool, email, context.env)
        : confirmSignUp(userPool, email, code, context.env));
      done();
      context.print(
        { email, confirmed: true },
        `Confirmed ${email}. Log in with: ${context.invocation().command(`login ${email}`)}`,
      );
    });
}
