import { userPoolProviderName } from "@iam-auth-api/client/settings";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

export const IDENTITY_ID = "us-east-1:3f291106-8703-466b-8f2b-3ecee1ca56ce";
export const IDENTITY_POOL_ID = "us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce";
export const USER_POOL_PROVIDER = userPoolProviderName("us-east-1", "us-east-1_AbCdEfGhI");

type IamAuthorizer = {
  accessKey: string;
  accountId: string;
  callerId: string;
  cognitoIdentity: { amr: string[]; identityId: string; identityPoolId: string } | null;
  principalOrgId: string | null;
  userArn: string;
  userId: string;
};

/** The identity API Gateway reports for a user who signed in through the user pool. */
export function userPoolIdentity(identityId = IDENTITY_ID): NonNullable<IamAuthorizer["cognitoIdentity"]> {
  return {
    amr: [
      "authenticated",
      USER_POOL_PROVIDER,
      `${USER_POOL_PROVIDER}:CognitoSignIn:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
    ],
    identityId,
    identityPoolId: IDENTITY_POOL_ID,
  };
}

/**
 * An HTTP API (payload 2.0) event for an IAM-authorized route, shaped like AWS's own fixture
 * (aws-lambda-go `events/testdata/apigw-v2-request-iam.json`).
 */
export function iamEvent(
  routeKey: string,
  cognitoIdentity: IamAuthorizer["cognitoIdentity"] = userPoolIdentity(),
  overrides: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(" ") as [string, string];
  const iam: IamAuthorizer = {
    accessKey: "ASIA2ZJZYVUEREEIHAKY",
    accountId: "123456789012",
    callerId: "AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials",
    cognitoIdentity,
    principalOrgId: null,
    userArn: "arn:aws:sts::123456789012:assumed-role/iam-auth-api-dev-IdentityPoolAuthRole/CognitoIdentityCredentials",
    userId: "AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials",
  };
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: "",
    headers: { host: "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "vitest" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      authorizer: { iam },
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "vitest" },
      requestId: "Zk1f2hJmIAMEJxA=",
      routeKey,
      stage: "$default",
      time: "22/Nov/2026:05:10:00 +0000",
      timeEpoch: 1795324200000,
    },
    isBase64Encoded: false,
    ...overrides,
  } as APIGatewayProxyEventV2;
}
