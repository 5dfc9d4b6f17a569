import S3rver from "s3rver";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { iamEvent } from "@iam-auth-api/loopback/events";
import { bundleHandler, coldInitMs, type RouteHandler } from "./lambda-bundles";
import { medianOf, throughput } from "./stats";
import type { Row } from "./table";

const BUCKET = "bench-uploads";
/** Handlers that must stay free of the AWS SDK: tiny bundles, init next to nothing above the floor. */
const SDK_FREE_BUNDLE_BYTES = 2048;
const SDK_FREE_INIT_RATIO = 1.5;
/**
 * The floor for cold init: what Node itself takes to import a one-line handler module and call it,
 * measured the same way in the same run (about 5 ms on Node 24 on this machine: the runtime's own
 * cost, which no handler can go below, and which moves with the machine's load).
 */
const EMPTY_HANDLER = "export const handler = async () => ({ statusCode: 200 });\n";
/**
 * What a bundle with the S3 list call may weigh: SDK v3's S3 client with its XML, checksum and
 * signing code (~300 KB minified) and the default credential chain (~135 KB), bundled rather than
 * taken from the Lambda runtime so the SDK version is pinned and cold starts read one file.
 */
const S3_BUNDLE_BYTES = 450 * 1024;

/** A loopback S3 holding one user's files, and the environment a Lambda would have to reach it. */
async function loopbackS3() {
  const directory = await mkdtemp(join(tmpdir(), "bench-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const address = (await server.run()) as AddressInfo;
  const env = {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${address.port}`,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    SST_RESOURCE_UploadsListing: JSON.stringify({ name: BUCKET, type: "sst.sst.Linkable" }),
  };
  return {
    env,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function lambdaRows(handlers: RouteHandler[], runs: number): Promise<Row[]> {
  const outDir = await mkdtemp(join(tmpdir(), "bench-bundles-"));
  const s3 = await loopbackS3();
  Object.assign(process.env, s3.env);
  const rows: Row[] = [];
  try {
    const emptyHandler = join(outDir, "empty-handler.mjs");
    await writeFile(emptyHandler, EMPTY_HANDLER);
    const floorMs = await medianOf(runs, () => coldInitMs(emptyHandler, {}));
    rows.push({
      section: "lambda",
      what: "an empty handler: cold init (the floor, same runs)",
      value: floorMs,
      unit: "ms",
    });
    for (const { route, entry, runtime } of handlers) {
      const bundle = await bundleHandler(entry, runtime, outDir);
      const usesSdk = bundle.heaviest.some((p) => p.name.startsWith("@aws-sdk/") || p.name.startsWith("@smithy/"));
      const event = iamEvent(route);
      const heaviest = bundle.heaviest.map((p) => `${p.name} ${(p.bytes / 1024).toFixed(1)} KB`).join(", ");
      rows.push({
        section: "lambda",
        what: `${route} bundle (${runtime})`,
        value: bundle.bytes,
        unit: "B",
        target: { max: usesSdk ? S3_BUNDLE_BYTES : SDK_FREE_BUNDLE_BYTES },
        note: `heaviest: ${heaviest}`,
      });
      const initMs = await medianOf(runs, () => coldInitMs(bundle.file, event, s3.env));
      rows.push({
        section: "lambda",
        what: `${route} cold init + 1st invoke`,
        value: initMs,
        unit: "ms",
        note: usesSdk ? "includes one ListObjectsV2 to loopback S3" : undefined,
      });
      if (!usesSdk) {
        rows.push({
          section: "lambda",
          what: `${route} cold init ÷ the floor`,
          value: initMs / floorMs,
          unit: "×",
          target: { max: SDK_FREE_INIT_RATIO },
        });
      }
      const { handler } = (await import(bundle.file)) as { handler: (e: unknown) => Promise<unknown> };
      rows.push({
        section: "lambda",
        what: `${route} invocations, in-process`,
        value: await medianOf(runs, () => throughput(() => handler(event))),
        unit: "/s",
      });
    }
  } finally {
    await s3.close();
    await rm(outDir, { recursive: true, force: true });
  }
  return rows;
}
