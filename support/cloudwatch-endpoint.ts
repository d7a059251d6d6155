/**
 * A local endpoint speaking CloudWatch's wire protocol as @aws-sdk/client-cloudwatch uses it:
 * AWS JSON 1.0 (`POST /`, `x-amz-target: GraniteServiceVersion20100801.<Operation>`), request
 * bodies gzip-compressed above the SDK's threshold, errors as `{"__type": ..., "message": ...}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { listenOnLoopback } from "./servers.ts";

export interface ReceivedDatum {
  readonly MetricName: string;
  readonly Dimensions?: readonly { readonly Name: string; readonly Value: string }[];
  readonly Unit?: string;
  readonly Value?: number;
  /** Epoch seconds, as the JSON protocol serialises timestamps. */
  readonly Timestamp?: number;
  readonly StorageResolution?: number;
}

export interface ReceivedRequest {
  readonly operation: string;
  readonly gzip: boolean;
  readonly signed: boolean;
  readonly body: { readonly Namespace?: string; readonly MetricData?: readonly ReceivedDatum[] };
}

export interface CloudWatchEndpoint {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Status codes to answer with, in order, before answering 200 again (e.g. [500]). */
  failNext(...statuses: number[]): void;
  /** Answer every request with this status until reset with `failAlways(undefined)`. */
  failAlways(status: number | undefined): void;
  datums(): ReceivedDatum[];
  client(): CloudWatchClient;
  close(): Promise<void>;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801.";

export async function startCloudWatchEndpoint(): Promise<CloudWatchEndpoint> {
  const requests: ReceivedRequest[] = [];
  const queued: number[] = [];
  let always: number | undefined;

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const gzip = req.headers["content-encoding"] === "gzip";
    const target = String(req.headers["x-amz-target"] ?? "");
    if (
      req.method !== "POST" ||
      req.url !== "/" ||
      req.headers["content-type"] !== "application/x-amz-json-1.0" ||
      !target.startsWith(TARGET_PREFIX)
    ) {
      return reply(res, 400, {
        __type: "UnknownOperationException",
        message: "not an AWS JSON 1.0 CloudWatch call",
      });
    }
    let body: ReceivedRequest["body"];
    try {
      body = JSON.parse((gzip ? gunzipSync(raw) : raw).toString("utf8")) as ReceivedRequest["body"];
    } catch {
      return reply(res, 400, { __type: "SerializationException", message: "bad body" });
    }
    requests.push({
      operation: target.slice(TARGET_PREFIX.length),
      gzip,
      signed: String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 "),
      body,
    });
    const status = queued.shift() ?? always;
    if (status !== undefined) {
      return reply(res, status, { __type: "InternalServiceFault", message: "injected failure" });
    }
    if ((body.MetricData?.length ?? 0) > 1000) {
      return reply(res, 400, { __type: "InvalidParameterValueException", message: "too many datums" });
    }
    reply(res, 200, {});
  }

  const url = `http://127.0.0.1:${await listenOnLoopback(server)}`;

  return {
    url,
    requests,
    failNext: (...statuses) => queued.push(...statuses),
    failAlways: (status) => {
      always = status;
    },
    datums: () => requests.flatMap((request) => request.body.MetricData ?? []),
    client: () =>
      new CloudWatchClient({
        region: "eu-west-3",
        endpoint: url,
        credentials: { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local-test-secret" },
        maxAttempts: 3,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": "00000000-0000-0000-0000-000000000000",
  });
  res.end(text);
}
