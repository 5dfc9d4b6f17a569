import { describe, expect, it } from "vitest";
import { handler } from "../src/public";

describe("GET /public", () => {
  it("greets anyone, as the tutorials do", async () => {
    const response = await handler();
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe("Hello stranger!");
    expect(response.headers?.["content-type"]).toMatch(/^text\/plain/);
  });
});
