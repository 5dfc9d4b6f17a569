import { text } from "@iam-auth-api/core/http";

export async function handler() {
  return text(200, "Hello stranger!");
}
