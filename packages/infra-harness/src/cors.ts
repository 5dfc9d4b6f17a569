import type { ApiCorsConfiguration, BucketCorsRule, LoopbackCors } from "@iam-auth-api/loopback/cors";
import { evaluate } from "./evaluate";
import type { Evaluation } from "./evaluation";
import { referencing, single } from "./graph";

/**
 * The API's and the bucket's CORS as infra/ configures them for `stage`, read from the app's
 * offline evaluation: the doubles answer browsers with exactly what a deploy would configure.
 */
export async function infraCors(stage = "dev"): Promise<LoopbackCors> {
  return corsOf(await evaluate({ stage }));
}

/** The API's and the uploads bucket's CORS in an evaluation. */
export function corsOf(evaluation: Evaluation): LoopbackCors {
  const api = single(evaluation, "aws:apigatewayv2/api:Api").inputs.corsConfiguration as
    | ApiCorsConfiguration
    | undefined;
  // The bucket the app's `Bucket` output names: the site has a bucket (with CORS) of its own.
  const [bucketCors] = referencing(
    evaluation,
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
    "bucket",
    evaluation.outputs.Bucket,
  );
  if (!bucketCors)
    throw new Error(
      `No CORS configuration for the uploads bucket ${evaluation.outputs.Bucket} in stage ${evaluation.app.stage}: a browser could not reach it.`,
    );
  return { api: api ?? {}, bucket: bucketCors.inputs.corsRules as BucketCorsRule[] };
}
