// `npm run bench`: sizes and speeds that matter, each the median of several runs in this one run,
// printed beside its target. Not a test: numbers depend on the machine; misses are marked, not fatal.
import { lambdaRows } from "./lambdas";
import { renderTable } from "./table";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const HANDLERS = [
  { route: "GET /public", entry: "packages/functions/src/public.ts", runtime: "nodejs24.x" },
  { route: "GET /private", entry: "packages/functions/src/private.ts", runtime: "nodejs24.x" },
  { route: "GET /files", entry: "packages/functions/src/files.ts", runtime: "nodejs24.x" },
];

const rows = [...(await lambdaRows(HANDLERS, RUNS))];
console.log(renderTable(rows));
