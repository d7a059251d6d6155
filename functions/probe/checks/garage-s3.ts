/**
 * `garage` / `s3`: what a recording upload needs. PUT a small random object under the prefix, GET
 * it back and compare, DELETE it, and confirm a second GET answers 404. Requests are path-style,
 * signed with SigV4 (the AWS SDK's own signer, already in the bundle for CloudWatch; payload hash
 * included, no checksum trailers: Garage validates those) and sent through the HTTP port. The key
 * is the same every run for a vantage (`<prefix>probe-<vantage>`), so an object left by a failed
 * run is overwritten and removed by the next one.
 */
import { createHash, randomBytes } from "node:crypto";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import type { GarageS3, ProbeConfig } from "../../shared/config/index.ts";
import { untrustedText } from "../../shared/text.ts";
import { safeSend } from "../guard.ts";
import type { HttpExchange, HttpMethod } from "../http.ts";
import { attemptClock, readCredential } from "./attempt.ts";
import type { Attempt, AttemptContext, CheckPorts, CheckSpec } from "./check.ts";
import { slug } from "./text.ts";

/** S3 error documents are small; the probe object is 64 bytes. */
const S3_BODY_LIMIT = 16 * 1024;

export function garageS3Check(config: ProbeConfig, vantage: string): CheckSpec | undefined {
  const s3 = config.targets.garage?.s3;
  if (!s3) return undefined;
  const objectUrl = new URL(s3.endpoint);
  objectUrl.pathname = `${objectUrl.pathname.replace(/\/+$/, "")}/${s3.bucket}/${s3.prefix}probe-${slug(vantage)}`;
  return {
    component: "garage",
    check: "s3",
    url: objectUrl.href,
    timeoutMs: s3.timeoutMs ?? config.probe.timeoutMs,
    attempt: (ports, context) => attemptRoundTrip(s3, objectUrl, ports, context),
  };
}

type Step = "PUT" | "GET" | "DELETE" | "second GET";

async function attemptRoundTrip(
  s3: GarageS3,
  url: URL,
  ports: CheckPorts,
  context: AttemptContext,
): Promise<Attempt> {
  const clock = attemptClock(context.timeoutMs);
  let first: HttpExchange | undefined;
  const result = (status: "up" | "down", reason?: string, httpStatus?: number): Attempt => ({
    verdict: { status, ...(reason === undefined ? {} : { reason }) },
    // The phases of the first request (a fresh connection each time); the total covers all four.
    timings: { ...first?.timings, totalMs: clock.elapsedMs() },
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(first?.certificate ? { certificate: first.certificate } : {}),
  });

  const secret = await readCredential(
    ports.credentials,
    s3.secretAccessKey,
    "targets.garage.s3.secretAccessKey",
    clock.remainingMs(),
    context.redact,
  );
  if ("reason" in secret) return result("down", secret.reason);

  const signer = new SignatureV4({
    service: "s3",
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret.value },
    sha256: Hash.bind(null, "sha256"),
    // S3 signs the path as sent, where every other AWS service escapes it a second time.
    uriEscapePath: false,
  });
  const send = async (method: HttpMethod, body?: string): Promise<HttpExchange> => {
    const payload = body ?? "";
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        "x-amz-content-sha256": createHash("sha256").update(payload, "utf8").digest("hex"),
        ...(body === undefined ? {} : { "content-type": "text/plain" }),
      },
      ...(body === undefined ? {} : { body }),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      // node:http writes Host itself from the URL, with the same value.
      if (name !== "host") headers[name] = value;
    }
    const exchange = await safeSend(ports.http, {
      method,
      url,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: clock.remainingMs(),
      maxBodyBytes: S3_BODY_LIMIT,
      ...(s3.tls ? { tls: s3.tls } : {}),
    });
    first ??= exchange;
    return exchange;
  };
  const failed = (step: Step, exchange: HttpExchange, expected: string): Attempt => {
    if (exchange.failure) return result("down", `${step}: ${exchange.failure.message}`);
    const { status, body } = exchange.response;
    // A refused signature may mean the secret was rotated: read it again on the next attempt.
    if (status === 403 && /<Code>(SignatureDoesNotMatch|InvalidAccessKeyId)<\/Code>/.test(body)) {
      ports.credentials.invalidate(s3.secretAccessKey);
    }
    return result("down", `${step}: HTTP ${status}${s3ErrorText(body)}, expected ${expected}`, status);
  };

  const content = `meet-monitor ${randomBytes(24).toString("hex")}`;
  const put = await send("PUT", content);
  if (put.response?.status !== 200) return failed("PUT", put, "200");
  const get = await send("GET");
  if (get.response?.status !== 200) return failed("GET", get, "200 and the object");
  if (get.response.body !== content) {
    return result("down", "GET: the object read back differs from the one written", 200);
  }
  const remove = await send("DELETE");
  const removed = remove.response?.status;
  if (removed !== 204 && removed !== 200) return failed("DELETE", remove, "204");
  const gone = await send("GET");
  if (gone.response?.status !== 404) return failed("second GET", gone, "404 once deleted");
  return result("up");
}

const HINTS: Readonly<Record<string, string>> = {
  SignatureDoesNotMatch: "the secret access key is wrong",
  InvalidAccessKeyId: "Garage does not know this access key id",
  AuthorizationHeaderMalformed: "the region is not Garage's s3_region (targets.garage.s3.region)",
  NoSuchBucket: "the bucket does not exist",
  AccessDenied: "the key is not allowed on the bucket (garage bucket allow --read --write)",
  NoSuchKey: "the object is not there",
};

/** ` NoSuchBucket (the bucket does not exist)` from an S3 error document, else nothing. */
export function s3ErrorText(body: string): string {
  const code = /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(body)?.[1];
  if (code === undefined) return "";
  const hint = HINTS[code];
  return ` ${untrustedText(code)}${hint ? ` (${hint})` : ""}`;
}
