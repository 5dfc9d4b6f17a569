/**
 * `npm start`: the app on 127.0.0.1 with no AWS account. It evaluates sst.config.ts and infra/ offline
 * for the `local` stage and serves what that evaluation configures with the loopback doubles (the same
 * ones the tests use), keeps their data in .sst/local/, writes the outputs to .sst/local/outputs.json,
 * and runs the web client on Vite against them.
 */
import { chmod, mkdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DEV_SERVER_PORT } from "@iam-auth-api/client/dev-server";
import { evaluate } from "@iam-auth-api/infra-harness/evaluate";
import { evaluationFailed, portBusy, usage } from "./messages";
import { parseOptions, SERVICE_PORTS, type StartOptions, UsageError } from "./options";

export const LOCAL_STAGE = "local";
/** How long a failed evaluation waits for a stop signal sent to the whole process group with it. */
const SIGNAL_GRACE_MS = 250;

/** Runs until Ctrl-C (SIGINT), SIGTERM, SIGHUP or a crashed service; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: StartOptions;
  try {
    options = parseOptions(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const ports = servicePorts(options.portBase);
  const busy = await firstBusyPort(ports, options.web);
  if (busy) {
    process.stderr.write(`npm start: ${busy}\n`);
    return 2;
  }
  // Only now: bad input and busy ports are answered without loading the stack's modules.
  const { DEFAULT_DATA_DIR, printReady, startStack, stopStack, writeOutputs } = await import("./stack");
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  if (options.reset) await rm(dataDir, { recursive: true, force: true });
  await keepPrivate(dataDir);

  const stopped = stopSignal();
  const evaluation = await Promise.race([
    evaluate({ stage: LOCAL_STAGE, ...(options.config && { config: options.config }) }).catch((error: Error) => error),
    stopped.promise.then(() => undefined),
  ]);
  // Ctrl-C reaches the evaluation's processes too (one process group): stopped, not failed. Theirs
  // can end, failing the evaluation, before this process has run its own signal's handler: a failure
  // waits a moment for it before it counts as one.
  if (evaluation instanceof Error) await Promise.race([stopped.promise, delay(SIGNAL_GRACE_MS)]);
  if (!evaluation || stopped.requested()) return 0;
  if (evaluation instanceof Error) {
    process.stderr.write(`npm start: ${evaluationFailed(evaluation.message)}\n`);
    return 1;
  }
  // The ports were free before the evaluation (seconds ago); something may have taken one since.
  const stack = await startStack(evaluation, dataDir, ports, options, stopped.crash).catch(async (error: Error) => {
    const taken = await firstBusyPort(ports, options.web);
    if (!taken) throw error;
    process.stderr.write(`npm start: ${taken}\n`);
    return undefined;
  });
  if (!stack) return 2;
  const outputsFile = await writeOutputs(dataDir, stack);
  if (!stopped.requested()) printReady(stack, outputsFile, options);
  const reason = await stopped.promise;
  if (reason) process.stderr.write(`npm start: ${reason}\n`);
  await stopStack(stack);
  // Stopped: `iam-api --local` then says to start the stack, instead of failing to connect.
  await rm(outputsFile, { force: true });
  return reason ? 1 : 0;
}

/**
 * The local data holds password verifiers, refresh tokens and secret keys: every file this process and
 * its children (cognito-local, S3) create is 0600 in 0700 directories, as the CLI's own cache; a data
 * directory left readable by an older run is closed too.
 */
async function keepPrivate(dataDir: string): Promise<void> {
  process.umask(0o077);
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o700);
}

function servicePorts(base: number): Record<keyof typeof SERVICE_PORTS, number> {
  return Object.fromEntries(
    Object.entries(SERVICE_PORTS).map(([service, { offset }]) => [service, base + offset]),
  ) as Record<keyof typeof SERVICE_PORTS, number>;
}

/** The first port this run needs that something else holds, as the line to print. */
async function firstBusyPort(
  ports: Record<keyof typeof SERVICE_PORTS, number>,
  web: boolean,
): Promise<string | undefined> {
  for (const [service, port] of Object.entries(ports)) {
    if (await inUse(port))
      return portBusy(
        port,
        SERVICE_PORTS[service as keyof typeof SERVICE_PORTS].name,
        "pick other ports with --port <base>",
      );
  }
  if (web && (await inUse(DEV_SERVER_PORT)))
    return portBusy(DEV_SERVER_PORT, "the web client's Vite server", "start without it with --no-web");
  return undefined;
}

function inUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/** Resolves with undefined on Ctrl-C, SIGTERM or SIGHUP, with the reason when a service crashed. */
function stopSignal(): {
  promise: Promise<string | undefined>;
  requested(): boolean;
  crash(reason: string): void;
} {
  let settle: (reason: string | undefined) => void = () => {};
  let requested = false;
  const promise = new Promise<string | undefined>((resolve) => (settle = resolve));
  // SIGHUP: the terminal was closed, which must stop the stack as Ctrl-C does.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(signal, () => {
      requested = true;
      settle(undefined);
    });
  return { promise, requested: () => requested, crash: (reason) => settle(reason) };
}
