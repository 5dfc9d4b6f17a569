// The handlers' bundles are shared between test files and runs: a change to any file a handler
// imports must reach the next start, as it reaches a deploy.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { appModel } from "@iam-auth-api/loopback/app-model";
import { startFunctions } from "@iam-auth-api/loopback/lambda";
import { REPOSITORY_ROOT } from "@iam-auth-api/loopback/loopback";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { expect, test } from "vitest";

test("a handler's bundle is built again when a module it imports changes", async () => {
  const dir = join(REPOSITORY_ROOT, ".sst/fixtures/shared-build");
  await mkdir(dir, { recursive: true });
  // A fresh answer each run, so the first start finds no bundle another run left.
  const nonce = `${process.pid}-${Date.now()}`;
  await writeFile(
    join(dir, "handler.ts"),
    `import { answer } from "./answer";\nexport const handler = async () => ({ statusCode: 200, body: answer });\n`,
  );
  const evaluation = structuredClone(await evaluate({ stage: "dev" }));
  evaluation.builds.find((candidate) => candidate.handler.endsWith("/public.handler"))!.handler =
    ".sst/fixtures/shared-build/handler.handler";
  const route = appModel(evaluation, REPOSITORY_ROOT).routes.find((candidate) => candidate.routeKey === "GET /public")!;
  const answerOfAFreshStart = async () => {
    const functions = await startFunctions({
      routes: [route],
      region: "us-east-1",
      buildDir: join(dir, "build"),
      s3Endpoint: "http://127.0.0.1:9",
      credentials: new Map(),
      log: () => {},
    });
    try {
      return (await functions.invoke(route, {} as APIGatewayProxyEventV2)).body;
    } finally {
      await functions.stop();
    }
  };
  try {
    await writeFile(join(dir, "answer.ts"), `export const answer = "first ${nonce}";\n`);
    expect(await answerOfAFreshStart()).toBe(`first ${nonce}`);
    expect(await answerOfAFreshStart()).toBe(`first ${nonce}`);
    await writeFile(join(dir, "answer.ts"), `export const answer = "second ${nonce}";\n`);
    expect(await answerOfAFreshStart()).toBe(`second ${nonce}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
