/**
 * A local endpoint speaking CloudWatch's wire protocol as @aws-sdk/client-cloudwatch uses it:
 * AWS JSON 1.0 (`POST /`, `x-amz-target: GraniteServiceVersion20100801.<Operation>`), request
 * bodies gzip-compressed above the SDK's threshold, timestamps as epoch seconds, errors as
 * `{"__type": ..., "message": ...}`. PutMetricData is accepted; the alarm mute rule operations
 * (Put, Get, List, Delete) keep their rules in memory (see mute-rules.ts for what is modelled).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { createMuteRules, type MuteRuleStore } from "./mute-rules.ts";
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
  /** The region of the request's SigV4 credential scope: where the client meant to send it. */
  readonly region?: string;
  readonly body: {
    readonly Namespace?: string;
    readonly MetricData?: readonly ReceivedDatum[];
    readonly [field: string]: unknown;
  };
}

export interface CloudWatchEndpoint {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Status codes to answer with, in order, before answering 200 again (e.g. [500]). */
  failNext(...statuses: number[]): void;
  /** Answer every request with this status until reset with `failAlways(undefined)`. */
  failAlways(status: number | undefined): void;
  datums(): ReceivedDatum[];
  /** The alarm mute rules created through the endpoint, by name. */
  readonly muteRules: MuteRuleStore;
  client(): CloudWatchClient;
  close(): Promise<void>;
}

export interface CloudWatchEndpointOptions {
  /** The endpoint's clock: whether a mute rule is SCHEDULED, ACTIVE or EXPIRED. @default Date.now */
  readonly now?: () => number;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801.";

export async function startCloudWatchEndpoint(
  options: CloudWatchEndpointOptions = {},
): Promise<CloudWatchEndpoint> {
  const requests: ReceivedRequest[] = [];
  const muteRules = createMuteRules(options.now ?? Date.now);
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
    const authorization = String(req.headers.authorization ?? "");
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization)?.[1];
    const operation = target.slice(TARGET_PREFIX.length);
    requests.push({
      operation,
      gzip,
      signed: authorization.startsWith("AWS4-HMAC-SHA256 "),
      ...(region === undefined ? {} : { region }),
      body,
    });
    const status = queued.shift() ?? always;
    if (status !== undefined) {
      return reply(res, status, { __type: "InternalServiceFault", message: "injected failure" });
    }
    if (operation === "PutMetricData") {
      if ((body.MetricData?.length ?? 0) > 1000) {
        return reply(res, 400, { __type: "InvalidParameterValueException", message: "too many datums" });
      }
      return reply(res, 200, {});
    }
    const answer = muteRules.handle(operation, body);
    if (!answer) {
      return reply(res, 400, {
        __type: "UnknownOperationException",
        message: `${operation} is not modelled`,
      });
    }
    reply(res, answer.status, answer.body);
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
    muteRules,
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
