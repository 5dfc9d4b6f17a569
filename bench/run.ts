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

/** The sections run: all of them, or those BENCH_ONLY names (comma-separated, e.g. `BENCH_ONLY=client`). */
const SECTIONS = ["lambda", "client", "feedback", "web", "local"];
const only = process.env.BENCH_ONLY?.split(",").map((name) => name.trim());
const unknown = only?.filter((name) => !SECTIONS.includes(name)) ?? [];
if (unknown.length) {
  console.error(`BENCH_ONLY: no section ${unknown.join(", ")}; the sections are ${SECTIONS.join(", ")}.`);
  process.exit(2);
}
const runs = (section: string) => only === undefined || only.includes(section);

/** The handlers, runtimes and routes as the real app declares them, read from its offline evaluation. */
async function appHandlers() {
  return apiRoutes(await evaluateUncached({ stage: "production" })).map((route) => ({
    route: route.routeKey,
    entry: resolveHandler(ROOT, route.handler).file!,
    runtime: route.lambda.inputs.runtime as string,
  }));
}

const rows = [
  ...(runs("lambda") ? await lambdaRows(await appHandlers(), RUNS) : []),
  ...(runs("client") ? await clientRows(RUNS) : []),
  ...(runs("feedback") ? await feedbackRows(RUNS) : []),
  ...(runs("web") ? await webRows(RUNS) : []),
  ...(runs("local") ? await localRows(RUNS) : []),
];
console.log(renderTable(rows));
