/**
 * A local endpoint speaking CloudWatch's wire protocol as @aws-sdk/client-cloudwatch uses it:
 * AWS JSON 1.0 (`POST /`, `x-amz-target: GraniteServiceVersion20100801.<Operation>`), request
 * bodies gzip-compressed above the SDK's threshold, timestamps as epoch seconds, errors as
 * `{"__type": ..., "message": ...}`. PutMetricData is accepted; the alarm mute rule operations
 * (Put, Get, List, Delete) keep their rules in memory (see mute-rules.ts for what is modelled);
 * DescribeAlarms and SetAlarmState work on the alarms a test adds (`addAlarm`), and
 * `evaluateAlarms()` does what CloudWatch's next evaluation does to an alarm whose state was set
 * by hand: puts it back to the state its data gives (OK here).
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
    readonly AlarmNames?: readonly string[];
    readonly AlarmName?: string;
    readonly StateValue?: string;
    readonly StateReason?: string;
    readonly [field: string]: unknown;
  };
}

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** An alarm as DescribeAlarms returns it (the fields the tests and commands read). */
export interface LocalAlarm {
  readonly AlarmName: string;
  readonly AlarmArn: string;
  readonly AlarmDescription?: string;
  readonly ActionsEnabled: boolean;
  readonly AlarmActions: readonly string[];
  readonly OKActions: readonly string[];
  StateValue: AlarmStateValue;
  StateReason: string;
  /** Epoch seconds, as the JSON protocol serialises timestamps. */
  StateUpdatedTimestamp: number;
}

export interface CloudWatchEndpoint {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Status codes to answer with, in order, before answering 200 again (e.g. [500]). */
  failNext(...statuses: number[]): void;
  /** Answer every request with this status until reset with `failAlways(undefined)`. */
  failAlways(status: number | undefined): void;
  /** The `__type` and message of the injected failures. @default InternalServiceFault, "injected failure" */
  failWith(type: string, message: string): void;
  /** Adds an alarm (state OK) that DescribeAlarms and SetAlarmState then know. */
  addAlarm(
    name: string,
    options: { actions: readonly string[]; description?: string; actionsEnabled?: boolean },
  ): LocalAlarm;
  /** CloudWatch's next evaluation: every alarm set by hand goes back to OK. */
  evaluateAlarms(): void;
  readonly alarms: ReadonlyMap<string, LocalAlarm>;
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
  let failure = { type: "InternalServiceFault", message: "injected failure" };
  const alarms = new Map<string, LocalAlarm>();
  const setByHand = new Set<string>();

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
    if (status !== undefined) return reply(res, status, { __type: failure.type, message: failure.message });
    switch (operation) {
      case "PutMetricData":
        if ((body.MetricData?.length ?? 0) > 1000) {
          return reply(res, 400, { __type: "InvalidParameterValueException", message: "too many datums" });
        }
        return reply(res, 200, {});
      case "DescribeAlarms": {
        const names = body.AlarmNames ?? [...alarms.keys()];
        const found = names.flatMap((name) => {
          const alarm = alarms.get(name);
          return alarm ? [alarm] : [];
        });
        return reply(res, 200, { MetricAlarms: found, CompositeAlarms: [] });
      }
      case "SetAlarmState": {
        const alarm = alarms.get(body.AlarmName ?? "");
        if (!alarm) {
          return reply(res, 404, {
            __type: "ResourceNotFound",
            message: `alarm ${String(body.AlarmName)} does not exist`,
          });
        }
        const state = body.StateValue;
        if (state !== "OK" && state !== "ALARM" && state !== "INSUFFICIENT_DATA") {
          return reply(res, 400, { __type: "InvalidFormat", message: "bad StateValue" });
        }
        alarm.StateValue = state;
        alarm.StateReason = body.StateReason ?? "";
        alarm.StateUpdatedTimestamp = Date.now() / 1000;
        setByHand.add(alarm.AlarmName);
        return reply(res, 200, {});
      }
      default: {
        const answer = muteRules.handle(operation, body);
        if (!answer) {
          return reply(res, 400, {
            __type: "UnknownOperationException",
            message: `${operation} is not modelled`,
          });
        }
        return reply(res, answer.status, answer.body);
      }
    }
  }

  const url = `http://127.0.0.1:${await listenOnLoopback(server)}`;

  return {
    url,
    requests,
    failNext: (...statuses) => queued.push(...statuses),
    failAlways: (status) => {
      always = status;
    },
    failWith: (type, message) => {
      failure = { type, message };
    },
    alarms,
    addAlarm: (name, options) => {
      const alarm: LocalAlarm = {
        AlarmName: name,
        AlarmArn: `arn:aws:cloudwatch:eu-west-3:123456789012:alarm:${name}`,
        ...(options.description === undefined ? {} : { AlarmDescription: options.description }),
        ActionsEnabled: options.actionsEnabled ?? true,
        AlarmActions: options.actions,
        OKActions: options.actions,
        StateValue: "OK",
        StateReason: "Threshold Crossed: no datapoints were received for 1 period (treated as not breaching)",
        StateUpdatedTimestamp: Date.now() / 1000,
      };
      alarms.set(name, alarm);
      return alarm;
    },
    evaluateAlarms: () => {
      for (const name of setByHand) {
        const alarm = alarms.get(name);
        if (!alarm || alarm.StateValue === "OK") continue;
        alarm.StateValue = "OK";
        alarm.StateReason = "Threshold Crossed: 1 datapoint [1.0] was not less than the threshold (0.0)";
        alarm.StateUpdatedTimestamp = Date.now() / 1000;
      }
      setByHand.clear();
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
