/** `garage` / `s3` against an S3 stand-in that verifies every SigV4 signature with another signer (aws4fetch). */
import { describe, expect, it } from "vitest";
import { type RunningS3, startS3Standin } from "../../../../support/s3.ts";
import { cycle, deepConfig, resultOf, track } from "./deep-harness.ts";

const ACCESS_KEY = "GKmonitor0123456789abcdef";
const SECRET_KEY = "s3-test-secret-0123456789abcdef0123456789";

async function garage(): Promise<RunningS3> {
  return track(
    await startS3Standin({
      buckets: ["meet-recordings", "other-bucket"],
      keys: { [ACCESS_KEY]: { secretAccessKey: SECRET_KEY, buckets: ["meet-recordings"] } },
    }),
  );
}

function s3Config(endpoint: string, s3: Record<string, unknown> = {}) {
  return deepConfig({
    garage: {
      adminUrl: "http://garage.test:3903",
      metrics: false,
      s3: {
        endpoint,
        bucket: "meet-recordings",
        accessKeyId: ACCESS_KEY,
        secretAccessKey: { env: "S3_SECRET" },
        ...s3,
      },
    },
  });
}

const env = { S3_SECRET: SECRET_KEY };

describe("Garage S3 round trip", () => {
  it("puts, reads back, deletes and confirms 404, leaving nothing behind", async () => {
    const s3 = await garage();
    const result = resultOf(await cycle(s3Config(s3.url), env), "s3");
    expect(result).toMatchObject({ component: "garage", status: "up", attempts: 1 });
    expect(result.url).toBe(`${s3.url}/meet-recordings/meet-monitor/probe-test`);
    expect(s3.requests.map((request) => [request.method, request.path, request.error])).toEqual([
      ["PUT", "/meet-recordings/meet-monitor/probe-test", undefined],
      ["GET", "/meet-recordings/meet-monitor/probe-test", undefined],
      ["DELETE", "/meet-recordings/meet-monitor/probe-test", undefined],
      ["GET", "/meet-recordings/meet-monitor/probe-test", "NoSuchKey"],
    ]);
    expect(s3.objects.size).toBe(0);
  });

  it("removes an object a failed run left behind", async () => {
    const s3 = await garage();
    s3.objects.set("meet-recordings/meet-monitor/probe-test", Buffer.from("left by a failed run"));
    expect(resultOf(await cycle(s3Config(s3.url), env), "s3").status).toBe("up");
    expect(s3.objects.size).toBe(0);
  });

  it("names SignatureDoesNotMatch when the secret is wrong", async () => {
    const s3 = await garage();
    const result = resultOf(await cycle(s3Config(s3.url), { S3_SECRET: "a-wrong-secret-0123456789" }), "s3");
    expect(result).toMatchObject({
      status: "down",
      httpStatus: 403,
      reason: "PUT: HTTP 403 SignatureDoesNotMatch (the secret access key is wrong), expected 200",
    });
  });

  it("names AuthorizationHeaderMalformed when the region is not Garage's", async () => {
    const s3 = await garage();
    const result = resultOf(await cycle(s3Config(s3.url, { region: "us-east-1" }), env), "s3");
    expect(result.reason).toBe(
      "PUT: HTTP 400 AuthorizationHeaderMalformed (the region is not Garage's s3_region (targets.garage.s3.region)), expected 200",
    );
  });

  it("names InvalidAccessKeyId, NoSuchBucket and AccessDenied", async () => {
    const s3 = await garage();
    const reasons = await Promise.all(
      [{ accessKeyId: "GKunknown" }, { bucket: "no-such-bucket" }, { bucket: "other-bucket" }].map(
        async (override) => resultOf(await cycle(s3Config(s3.url, override), env), "s3").reason,
      ),
    );
    expect(reasons).toEqual([
      "PUT: HTTP 403 InvalidAccessKeyId (Garage does not know this access key id), expected 200",
      "PUT: HTTP 404 NoSuchBucket (the bucket does not exist), expected 200",
      "PUT: HTTP 403 AccessDenied (the key is not allowed on the bucket (garage bucket allow --read --write)), expected 200",
    ]);
  });

  it("is down when the object read back differs, or survives its DELETE", async () => {
    const s3 = await garage();
    s3.faults.getReturnsOther = true;
    expect(resultOf(await cycle(s3Config(s3.url), env), "s3").reason).toBe(
      "GET: the object read back differs from the one written",
    );
    s3.faults.getReturnsOther = false;
    s3.faults.deleteKeepsObject = true;
    expect(resultOf(await cycle(s3Config(s3.url), env), "s3")).toMatchObject({
      status: "down",
      httpStatus: 200,
      reason: "second GET: HTTP 200, expected 404 once deleted",
    });
  });

  it("uses the prefix and a key per vantage", async () => {
    const s3 = await garage();
    await cycle(s3Config(s3.url, { prefix: "probes/meet/" }), env);
    expect(s3.requests[0]?.path).toBe("/meet-recordings/probes/meet/probe-test");
  });
});

describe("a rotated S3 secret", () => {
  it("is read again after SignatureDoesNotMatch, so the retry uses the new one", async () => {
    const { createCredentialResolver } = await import("../../../../functions/probe/credentials.ts");
    const { runCycle } = await import("../../../../functions/probe/cycle.ts");
    const { deepDependencies } = await import("./deep-harness.ts");
    const s3 = await garage();
    const versions = ["the-old-s3-secret-before-rotation", SECRET_KEY];
    let reads = 0;
    const credentials = createCredentialResolver({
      mode: "lambda",
      secrets: { read: async () => versions[Math.min(reads++, 1)] ?? "" },
    });
    const config = s3Config(s3.url, {
      secretAccessKey: { secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:garage" },
    });
    const report = await runCycle(config, "test", { ...deepDependencies(), credentials });
    expect(resultOf(report, "s3")).toMatchObject({ status: "up", attempts: 2 });
    expect(reads).toBe(2);
  });
});
