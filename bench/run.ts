// `npm run bench`: sizes and speeds that matter, each the median of several runs in this one run,
// printed beside its target. Not a test: numbers depend on the machine; misses are marked, not fatal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const { evaluateUncached } = await import("@iam-auth-api/infra-harness/evaluate");
const { apiRoutes } = await import("@iam-auth-api/infra-harness/graph");
const { resolveHandler } = await import("@iam-auth-api/infra-harness/handlers");
const { clientRows } = await import("./client");
const { feedbackRows } = await import("./feedback");
const { lambdaRows } = await import("./lambdas");
const { localRows } = await import("./local");
const { renderTable } = await import("./table");
const { webRows } = await import("./web");

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = new URL("..", import.meta.url).pathname;

// The handlers, runtimes and routes as the real app declares them, read from its offline evaluation.
const handlers = apiRoutes(await evaluateUncached({ stage: "production" })).map((route) => ({
  route: route.routeKey,
  entry: resolveHandler(ROOT, route.handler).file!,
  runtime: route.lambda.inputs.runtime as string,
}));

const rows = [
  ...(await lambdaRows(handlers, RUNS)),
  ...(await clientRows(RUNS)),
  ...(await feedbackRows(RUNS)),
  ...(await webRows(RUNS)),
  ...(await localRows(RUNS)),
];
console.log(renderTable(rows));
