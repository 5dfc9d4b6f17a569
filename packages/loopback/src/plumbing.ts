/**
 * What every double shares: an HTTP server on 127.0.0.1 per service, the faults a test queues,
 * the record of every request, CORS as each service answers it, and the AWS wire formats.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type CorsRefusal, type LoopbackCors, preflightOf, serviceCors } from "./cors";

export type Service = "cognitoIdp" | "cognitoIdentity" | "api" | "s3";

export interface RecordedRequest {
  service: Service;
  /** The operation (`InitiateAuth`, `GetId`…) for Cognito, `METHOD /path` for the API and S3. */
  operation: string;
  /** The raw request body, so tests can check what the CLI sends (never the password). */
  body: string;
  /** How long the double took, from the request's arrival to the end of its answer (set once answered): the bench's share of a call that is not the client's. */
  answerMs?: number;
}

/** An HTTP answer a test queues in place of the double's. */
export interface CannedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A queued fault: an AWS error, a canned answer, or (neither) a dropped connection. */
interface Fault {
  service: Service;
  errorName?: string;
  message?: string;
  answer?: CannedAnswer;
}

export type Handle = (request: IncomingMessage, body: Buffer, response: ServerResponse) => Promise<unknown>;

export interface Plumbing {
  requests: RecordedRequest[];
  faults: Fault[];
  corsRefusals: CorsRefusal[];
  /** Serves `handle` for `service` on 127.0.0.1:`port` (0: any free port); returns its URL. */
  listen(service: Service, handle: Handle, port?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * The servers of one loopback: `cors` is the app's configuration for the API and the bucket.
 * `fromClient` tells a client's request from one the app's own functions send (a handler's S3 call):
 * only the clients' are recorded and meet the faults a test queues.
 */
export function createPlumbing(
  cors: LoopbackCors | undefined,
  fromClient: (request: IncomingMessage) => boolean = () => true,
): Plumbing {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const corsRefusals: CorsRefusal[] = [];
  const servers: Server[] = [];

  /** The one check every double starts with: a queued fault, or nothing. */
  function injectedFault(service: Service, response: ServerResponse): boolean {
    const index = faults.findIndex((fault) => fault.service === service);
    if (index < 0) return false;
    const [fault] = faults.splice(index, 1);
    if (fault.answer) {
      response.writeHead(fault.answer.status, { "content-type": "application/json", ...fault.answer.headers });
      response.end(fault.answer.body ?? "");
    } else if (!fault.errorName) response.socket?.destroy();
    else awsError(response, fault.errorName, fault.message ?? "");
    return true;
  }

  async function listen(service: Service, handle: Handle, port = 0): Promise<string> {
    const answersCors = serviceCors(service, cors);
    const server = createServer(async (request, response) => {
      const arrived = performance.now();
      const body = await readBody(request);
      const target = String(request.headers["x-amz-target"] ?? "").split(".")[1];
      const client = fromClient(request);
      if (client) {
        const recorded: RecordedRequest = {
          service,
          operation: target || `${request.method} ${request.url}`,
          body: body.toString("utf8"),
        };
        requests.push(recorded);
        response.once("finish", () => {
          recorded.answerMs = performance.now() - arrived;
        });
      }
      const preflight = preflightOf(request);
      if (preflight) {
        const answer = answersCors.preflight(preflight);
        if (answer.refusal)
          corsRefusals.push({ service: service as CorsRefusal["service"], ...preflight, reason: answer.refusal });
        response.writeHead(answer.status, answer.headers);
        return response.end();
      }
      for (const [name, value] of Object.entries(answersCors.responseHeaders(request)))
        response.setHeader(name, value!);
      if (client && injectedFault(service, response)) return;
      try {
        await handle(request, body, response);
      } catch (error) {
        if (!response.headersSent) awsError(response, "InternalErrorException", (error as Error).message, 500);
      }
    });
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  return {
    requests,
    faults,
    corsRefusals,
    listen,
    close: async () => {
      await Promise.all(
        servers.map((server) => {
          const closed = new Promise((resolve) => server.close(resolve));
          server.closeAllConnections();
          return closed;
        }),
      );
    },
  };
}

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Sends the request on to `target` and returns the answer. */
export function relay(
  target: string,
  request: Pick<IncomingMessage, "url" | "method" | "headers">,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const url = new URL(request.url ?? "/", target);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: request.method,
        headers: { ...request.headers, host: url.host, "content-length": String(body.length) },
      },
      async (answer) => {
        resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: await readBody(answer) });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

export async function forward(
  target: string,
  request: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
): Promise<void> {
  const answer = await relay(target, request, body);
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

/** An AWS JSON 1.1 call (Cognito's protocol), failing with the service's answer. */
export async function awsJson(
  url: string,
  target: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body: JSON.stringify(body),
  });
  const result = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${target}: ${JSON.stringify(result)}`);
  return result;
}

export async function waitFor<T>(probe: () => T | undefined, failure: () => string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = "application/x-amz-json-1.1",
): void {
  response.writeHead(status, { "content-type": contentType });
  response.end(JSON.stringify(body));
}

export function awsError(response: ServerResponse, name: string, message: string, status = 400): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": name });
  response.end(JSON.stringify({ __type: name, message }));
}

export function s3Error(response: ServerResponse, code: string, message: string, status = 403): void {
  response.writeHead(status, { "content-type": "application/xml" });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

export function reply(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  response.end(result.body ?? "");
}

/** What a double saved in `file` on an earlier run (users, identities, credentials), or undefined on a first run or an unreadable file. */
export function savedState<T>(file: string, reviver?: (key: string, value: unknown) => unknown): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8"), reviver);
  } catch {
    return undefined;
  }
}
