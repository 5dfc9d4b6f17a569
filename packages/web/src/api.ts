import { apiFailed, apiForbidden, apiMessage } from "@iam-auth-api/client/messages";
import type { FilePage } from "@iam-auth-api/core/list-files";
import { signedIdentity } from "./credentials";
import { Problem, SIGN_IN_AGAIN } from "./problem";
import { settings } from "./settings";

/** What `GET /private` answers a signed-in caller (packages/functions/src/private.ts). */
export interface PrivateAnswer {
  message: string;
  identityId: string;
  [detail: string]: unknown;
}

/** A SigV4-signed GET to this app's API, with the identity's own credentials. */
async function signedGet<T>(path: string): Promise<T> {
  const { api } = await signedIdentity();
  const request = `GET /${path.split("?")[0]}`;
  let response: Response;
  try {
    response = await api.fetch(new URL(path, `${settings.apiUrl.replace(/\/+$/, "")}/`));
  } catch {
    throw new Problem(`Could not reach the API for ${request}: check your network connection, then try again.`);
  }
  const body = await response.text();
  if (response.status === 403)
    throw new Problem(apiForbidden(request, apiMessage(body), `sign out, then ${SIGN_IN_AGAIN}`));
  if (!response.ok) throw new Problem(apiFailed(request, `${response.status}`, apiMessage(body)));
  return JSON.parse(body) as T;
}

export function getPrivate(): Promise<PrivateAnswer> {
  return signedGet("private");
}

/** One page of your files, through the API's `GET /files`; pass the previous page's `nextCursor` for the next. */
export function listFiles(cursor?: string): Promise<FilePage> {
  return signedGet(cursor ? `files?cursor=${encodeURIComponent(cursor)}` : "files");
}
