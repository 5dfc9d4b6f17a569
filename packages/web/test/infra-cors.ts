import type { ApiCorsConfiguration, BucketCorsRule, LoopbackCors } from "@iam-auth-api/aws-doubles/cors";
import { evaluate } from "../../../test/harness/evaluate";
import type { Evaluation } from "../../../test/harness/evaluation";
import { single } from "../../../test/harness/graph";

/**
 * The API's and the bucket's CORS as infra/ configures them for `stage`, read from the app's
 * offline evaluation: the doubles answer browsers with exactly what a deploy would configure.
 */
export async function infraCors(stage = "dev"): Promise<LoopbackCors> {
  return corsOf(await evaluate({ stage }));
}

export function corsOf(evaluation: Evaluation): LoopbackCors {
  const api = single(evaluation, "aws:apigatewayv2/api:Api").inputs.corsConfiguration as ApiCorsConfiguration | undefined;
  const bucket = single(evaluation, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration").inputs.corsRules as BucketCorsRule[];
  return { api: api ?? {}, bucket };
}
