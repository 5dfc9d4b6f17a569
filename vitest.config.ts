import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files that run nothing outside the test process but Node (no browser, no loopback servers, no
 * CLI or `npm start` processes) and leave no state behind: the offline evaluation's tests (the
 * harness evaluates in its own child processes, and these read its cache), the security rules and
 * the shared client and core logic. They share one worker per slot and its imports instead of a
 * fresh fork each, and one harness bundle per worker.
 */
const IN_PROCESS = [
  // All but plan.test.ts, which runs `npm run plan` in child processes, one a test.
  "test/infra/!(plan).test.ts",
  "packages/infra-harness/test/*.test.ts",
  "packages/client/test/*.test.ts",
  "packages/core/test/*.test.ts",
  "packages/web/test/cors.test.ts",
  "packages/cli/test/terminal.test.ts",
  "packages/cli/test/fast-path.test.ts",
];

const settings = {
  // A file's forked worker runs its child processes (SST's program under mocks, the CLI, cognito-local, Chromium).
  pool: "forks",
  // Tests run real processes (the CLI, SST's program under mocks, cognito-local, Chromium); on 2
  // busy cores one of them can take longer than Vitest's 5 s default without anything being wrong.
  testTimeout: 30_000,
  // So do set-ups (a CLI file's beforeAll signs a user up, confirms and logs in: three processes);
  // Vitest's 10 s default for hooks timed faults.test.ts out on a machine shared with four others.
  hookTimeout: 30_000,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
} as const;

export default defineConfig({
  test: {
    // Vitest's default on 2 cores is one file at a time; most files wait on child processes, a
    // browser or loopback servers, so two at a time finish the suite in about two thirds of the time.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...settings,
          name: "in-process",
          include: IN_PROCESS,
          // Measured on these 24 files with the harness cache warm: 12 s wall and 8 s CPU instead of
          // 32 s and 23 s, a forked worker per file with its own imports and harness bundle.
          isolate: false,
        },
      },
      {
        test: {
          ...settings,
          name: "processes",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...IN_PROCESS],
        },
      },
    ],
  },
});
