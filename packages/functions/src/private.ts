import { cognitoCaller } from "@iam-auth-api/core/caller";
import { route } from "@iam-auth-api/core/http";

export const handler = route(async (event) => {
  const caller = cognitoCaller(event);
  return {
    message: `Hello ${caller.identityId}!`,
    identityId: caller.identityId,
    identityPoolId: caller.identityPoolId,
    provider: caller.provider,
    amr: caller.amr,
  };
});
