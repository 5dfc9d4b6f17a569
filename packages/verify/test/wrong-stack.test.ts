// A stage made wrong on purpose, in its configuration: the doubles serve the app's offline
// evaluation with the authenticated role reaching every user's prefix and the identity pool's
// server-side token check off, and its site served without the security headers and page CSP a
// deploy gives it. The matching lines must fail and say what is wrong.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Evaluation } from "@iam-auth-api/infra-harness/evaluation";
import { type LocalStage, startLocalStage } from "./stack";

// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
const OWN_PREFIX = "${cognito-identity.amazonaws.com:sub}";

/** Every policy that names the caller's own identity names any identity instead; no provider asks the user pool about revoked sign-ins. */
function wrongOnPurpose(evaluation: Evaluation): Evaluation {
  const text = JSON.stringify(evaluation);
  expect(text).toContain(OWN_PREFIX);
  expect(text).toContain('"serverSideTokenCheck":true');
  return JSON.parse(
    text.replaceAll(OWN_PREFIX, "*").replaceAll('"serverSideTokenCheck":true', '"serverSideTokenCheck":false'),
  );
}

let stage: LocalStage;
beforeAll(async () => {
  stage = await startLocalStage(wrongOnPurpose, { secureSite: false });
}, 120_000);
afterAll(async () => {
  await stage?.stop();
});

it("fails isolation when the role reaches other users' prefixes, revocation when the token check is off, and the site without its headers", async () => {
  const { code, stdout } = await stage.verify(["--stage", "dev", "--outputs", stage.outputsFile]);
  const line = (title: string) => stdout.split("\n").find((text) => text.slice(2).startsWith(title)) ?? stdout;
  const ownOnly = /the role must name only private\/\$\{cognito-identity\.amazonaws\.com:sub\}\//;
  expect(line("user B cannot read user A's file")).toMatch(
    /^✗ .*with B's credentials → 200 — user B's credentials reach user A's files/,
  );
  expect(line("user B cannot read user A's file")).toMatch(ownOnly);
  expect(line("user B cannot list user A's prefix")).toMatch(/^✗ .*→ 200 — /);
  expect(line("user A cannot write outside its own prefix")).toMatch(
    /^✗ .*→ 200 — user A can write into user B's prefix/,
  );
  expect(line("after a global sign-out")).toMatch(
    /^✗ .*→ credentials issued \(retried \d+× .*\) — a signed-out user keeps minting AWS credentials .*server-side token check/,
  );
  expect(line("the site sends its security headers")).toMatch(
    /^✗ .*none of the headers; page CSP none — missing or not as infra\/ configures them: content-security-policy, x-content-type-options, referrer-policy, the page's Content-Security-Policy <meta>/,
  );
  // What the wrong role still gets right passes.
  expect(line("user A uploads a file to its own prefix")).toMatch(/^✓ /);
  expect(code).toBe(1);
  // A's object written into B's prefix was removed with B's credentials, as the ledger recorded.
  expect(stdout).toMatch(/Removed what verify created: .*-from-a\.txt.*; users /);
  const left = [...(await stage.loopback.storedObjects()).keys()].filter((key) => key.includes("/verify-"));
  expect(left).toEqual([]);
}, 90_000);
