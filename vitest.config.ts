import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    // The infra harness runs SST's own program, which calls process.chdir(): not allowed in worker threads.
    pool: "forks",
    // Vitest's default on 2 cores is one file at a time; most files wait on child processes, a
    // browser or loopback servers, so two at a time finish the suite in about two thirds of the time.
    maxWorkers: 2,
    // Tests run real processes (the CLI, SST's program under mocks, cognito-local, Chromium); on 2
    // busy cores one of them can take longer than Vitest's 5 s default without anything being wrong.
    testTimeout: 30_000,
    // So do set-ups (a CLI file's beforeAll signs a user up, confirms and logs in: three processes);
    // Vitest's 10 s default for hooks timed faults.test.ts out on a machine shared with four others.
    hookTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
