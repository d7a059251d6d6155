/**
 * An S3 stand-in that checks signatures the way S3 and Garage do: every request's SigV4
 * Authorization is recomputed with aws4fetch's signer from the access key's secret, the scope's
 * region must be the server's, and the payload hash must match the body. Refusals carry the real
 * S3 error codes. Path-style only: `/<bucket>/<key>`.
 * (s3rver and its kin accept any signature, so they would prove nothing about signing.)
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { AwsV4Signer } from "aws4fetch";
import { type RunningServer, serve } from "./servers.ts";

export interface S3Key {
  readonly secretAccessKey: string;
  /** Buckets this key may read and write (`garage bucket allow`). */
  readonly buckets: readonly string[];
}

export interface S3StandinOptions {
  /** Garage's s3_region. @default "garage" */
  readonly region?: string;
  readonly buckets: readonly string[];
  readonly keys: Readonly<Record<string, S3Key>>;
}

/** Misbehaviours a test can switch on. */
export interface S3Faults {
  /** GET answers another object's content. */
  getReturnsOther?: boolean;
  /** DELETE answers 204 but keeps the object. */
  deleteKeepsObject?: boolean;
}

export interface RunningS3 extends RunningServer {
  /** Objects by `bucket/key`. */
  readonly objects: Map<string, Buffer>;
  /** Every request: method, path and the error code sent, if any. */
  readonly requests: { method: string; path: string; error?: string }[];
  readonly faults: S3Faults;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export async function startS3Standin(options: S3StandinOptions): Promise<RunningS3> {
  const region = options.region ?? "garage";
  const objects = new Map<string, Buffer>();
  const requests: RunningS3["requests"] = [];
  const faults: S3Faults = {};
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      handle(request, Buffer.concat(chunks), response).catch((error: unknown) => {
        sendError(response, 500, "InternalError", String(error));
      });
    });
  });

  const handle = async (request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> => {
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://s3.test");
    const record: RunningS3["requests"][number] = { method, path: url.pathname };
    requests.push(record);
    const refuse = (status: number, code: string, message: string): void => {
      record.error = code;
      sendError(response, status, code, message);
    };
    const match = AUTHORIZATION.exec(request.headers.authorization ?? "");
    if (!match) return refuse(403, "AccessDenied", "Access Denied: no valid AWS4-HMAC-SHA256 Authorization");
    const [, accessKeyId = "", , scopeRegion = "", signedHeaders = "", signature = ""] = match;
    const key = options.keys[accessKeyId];
    if (!key) return refuse(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist.");
    if (scopeRegion !== region) {
      return refuse(
        400,
        "AuthorizationHeaderMalformed",
        `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
      );
    }
    const payloadHash = String(request.headers["x-amz-content-sha256"] ?? "");
    if (
      payloadHash !== "UNSIGNED-PAYLOAD" &&
      payloadHash !== createHash("sha256").update(body).digest("hex")
    ) {
      return refuse(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' does not match.");
    }
    const expected = await expectedSignature(request, url, signedHeaders.split(";"), {
      accessKeyId,
      secretAccessKey: key.secretAccessKey,
      region,
    });
    if (expected !== signature) {
      return refuse(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.");
    }
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const objectKey = decodeURIComponent(rest.join("/"));
    if (!options.buckets.includes(bucket))
      return refuse(404, "NoSuchBucket", "The specified bucket does not exist");
    if (!key.buckets.includes(bucket)) return refuse(403, "AccessDenied", "Access Denied");
    const id = `${bucket}/${objectKey}`;
    if (method === "PUT") {
      objects.set(id, body);
      response.writeHead(200, {
        etag: `"${createHash("md5").update(body).digest("hex")}"`,
        "content-length": 0,
      });
      response.end();
      return;
    }
    if (method === "GET") {
      const stored = objects.get(id);
      if (!stored) return refuse(404, "NoSuchKey", "The specified key does not exist.");
      const content = faults.getReturnsOther ? Buffer.from("another object") : stored;
      response.writeHead(200, { "content-type": "text/plain", "content-length": content.length });
      response.end(content);
      return;
    }
    if (method === "DELETE") {
      if (!faults.deleteKeepsObject) objects.delete(id);
      response.writeHead(204);
      response.end();
      return;
    }
    refuse(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  };

  const running = await serve(server);
  return Object.assign(running, { objects, requests, faults });
}

/**
 * The signature S3 computes for `request` from the signed headers it names, by aws4fetch's signer:
 * another implementation than the probe's (the AWS SDK's), so a canonicalisation mistake in one
 * of them is refused here rather than agreed with.
 */
async function expectedSignature(
  request: IncomingMessage,
  url: URL,
  signedHeaders: readonly string[],
  credentials: { accessKeyId: string; secretAccessKey: string; region: string },
): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return undefined;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // aws4fetch always signs the URL's host: a request must have signed it (S3 requires it too).
  if (headers.host === undefined || headers["x-amz-date"] === undefined) return undefined;
  const { host, ...others } = headers;
  const signer = new AwsV4Signer({
    method: request.method ?? "GET",
    url: `http://${host}${url.pathname}${url.search}`,
    headers: others,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    service: "s3",
    region: credentials.region,
    datetime: headers["x-amz-date"],
    allHeaders: true,
  });
  return signer.signature();
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>standin</RequestId></Error>`;
  response.writeHead(status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}
