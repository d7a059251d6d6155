/**
 * An S3 stand-in that checks signatures the way S3 and Garage do: every request's SigV4
 * Authorization is recomputed with @smithy/signature-v4 (the AWS SDK's own signer) from the
 * access key's secret, the scope's region must be the server's, and the payload hash must match
 * the body. Refusals carry the real S3 error codes. Path-style only: `/<bucket>/<key>`.
 * (s3rver and its kin accept any signature, so they would prove nothing about signing.)
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
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

/** The signature S3 computes for `request` from the signed headers it names. */
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
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(headers["x-amz-date"] ?? "");
  if (!date) return undefined;
  const signingDate = new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`);
  const signer = new SignatureV4({
    service: "s3",
    region: credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const [hostname = "", port] = (headers.host ?? "").split(":");
  const signed = await signer.sign(
    {
      method: request.method ?? "GET",
      protocol: "http:",
      hostname,
      ...(port === undefined ? {} : { port: Number(port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const authorization = String(signed.headers.authorization ?? signed.headers.Authorization ?? "");
  return /Signature=([0-9a-f]{64})$/.exec(authorization)?.[1];
}

/** The hash (or HMAC, given a secret) the signer asks for, on node:crypto. */
class NodeSha256 {
  private readonly secret: Uint8Array | string | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: Uint8Array | string | ArrayBuffer | ArrayBufferView) {
    this.secret = toBytes(secret);
    this.hash = this.create();
  }
  update(data: Uint8Array | string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data) ?? "");
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
  }
}

function toBytes(
  data: Uint8Array | string | ArrayBuffer | ArrayBufferView | undefined,
): Uint8Array | string | undefined {
  if (data === undefined || typeof data === "string" || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>standin</RequestId></Error>`;
  response.writeHead(status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}
