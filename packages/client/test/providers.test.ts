import { describe, expect, test } from "vitest";
import { auth0ProviderName } from "../src/providers";

describe("auth0ProviderName: the Logins key of an Auth0 tenant", () => {
  test.each([
    ["my-tenant.us.auth0.com", "my-tenant.us.auth0.com"],
    ["https://my-tenant.us.auth0.com/", "my-tenant.us.auth0.com"],
    ["https://My-Tenant.US.Auth0.com/", "my-tenant.us.auth0.com"],
    ["HTTPS://Login.Example.COM//", "login.example.com"],
  ])("%s → %s (no scheme, no trailing slash, lower case)", (value, key) => {
    expect(auth0ProviderName(value)).toBe(key);
  });

  test.each(["https://my-tenant.us.auth0.com/path", "my tenant.auth0.com", "", "https://"])(
    "%j is no domain",
    (value) => {
      expect(auth0ProviderName(value)).toBeUndefined();
    },
  );
});
