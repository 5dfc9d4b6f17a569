import type { Command } from "commander";
import { checkEmail, newPassword, type Context } from "../context";
import { orAdmin } from "../invocation";
import { USER_POOL_OUTPUTS } from "../outputs";

export function define(command: Command, context: Context): void {
  command
    .argument("<email>", "the user's email address, where the confirmation code goes")
    .action(async (email: string) => {
      checkEmail(email);
      // The outputs first: a missing one must not cost the user a typed password.
      const outputs = await context.outputs(USER_POOL_OUTPUTS);
      const password = await newPassword(context, email);
      const [{ signUp }, { userPoolSettings }] = await Promise.all([import("../user-pool"), import("../session")]);
      const done = context.progress("Signing up");
      const invoked = context.invocation();
      const result = await signUp(userPoolSettings(outputs, invoked), email, password, context.env);
      done();
      context.print(
        { email, ...result },
        result.confirmed
          ? `Signed up ${email}. Log in with: ${invoked.command(`login ${email}`)}`
          : `Signed up ${email}. Confirm with the code sent to ${result.codeSentTo ?? "the address"}: ${invoked.command(`confirm ${email} <code>`)}  ${orAdmin(invoked)}`,
      );
    });
}
