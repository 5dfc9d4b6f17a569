/**
 * Tests and local emulators only: the environment variables that point the CLI at loopback doubles
 * and make its retries quick. Real use sets none of them; the clients then talk to AWS in the
 * outputs' region and back off as the AWS SDKs do.
 */
export const TEST_ENDPOINT_ENV = {
  cognitoIdp: "IAM_API_TEST_ENDPOINT_COGNITO_IDP",
  cognitoIdentity: "IAM_API_TEST_ENDPOINT_COGNITO_IDENTITY",
  s3: "IAM_API_TEST_ENDPOINT_S3",
} as const;

/** The API retries' base delay in milliseconds, so that a test of three attempts waits a few ms, not a second. */
export const TEST_RETRY_BASE_ENV = "IAM_API_TEST_RETRY_BASE_MS";
