import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** An error whose message is safe to show the caller, with the HTTP status it maps to. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function json(status: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/**
 * Owns the response shape of every route: what the route returns becomes a 200 JSON body,
 * an HttpError its status with `{ error }`, anything else a logged 500 that leaks no detail.
 */
export function route(
  fn: (event: APIGatewayProxyEventV2) => Promise<unknown>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    try {
      return json(200, await fn(event));
    } catch (error) {
      if (error instanceof HttpError) return json(error.status, { error: error.message });
      console.error(error);
      return json(500, { error: "Internal error; the request id is in the API's access log." });
    }
  };
}

export function text(status: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { "content-type": "text/plain; charset=utf-8" }, body };
}
