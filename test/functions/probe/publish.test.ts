/**
 * Publishing through the real SDK client against a local endpoint speaking CloudWatch's wire
 * protocol: batching, retries, and the EMF fallback.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createCloudWatchPublisher,
  defaultCloudWatchClient,
  MAX_DATUMS_PER_REQUEST,
} from "../../../functions/probe/adapters/cloudwatch.ts";
import type { CycleReport } from "../../../functions/probe/cycle.ts";
import { cycleDatums, type Datum, datum } from "../../../functions/probe/datums.ts";
import { toEmfLines } from "../../../functions/probe/emf.ts";
import { publishWithFallback } from "../../../functions/probe/publish.ts";
import { CheckMetrics } from "../../../functions/shared/metrics.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../support/cloudwatch-endpoint.ts";
import { startRawServer } from "../../../support/servers.ts";

let endpoint: CloudWatchEndpoint;
beforeAll(async () => {
  endpoint = await startCloudWatchEndpoint();
});
afterAll(() => endpoint.close());
afterEach(() => {
  endpoint.requests.length = 0;
  endpoint.failAlways(undefined);
});

const timestamp = new Date("2026-11-26T12:00:00.000Z");

function manyDatums(count: number): Datum[] {
  return Array.from({ length: count }, (_, index) =>
    datum(CheckMetrics.Latency, index, {
      Component: "backend",
      Check: "heartbeat",
      Vantage: `v${index % 7}`,
    }),
  );
}

const report: CycleReport = {
  timestamp,
  vantage: "eu-west-3",
  durationMs: 42,
  checks: [
    {
      component: "backend",
      check: "heartbeat",
      url: "http://backend:8000/__heartbeat__",
      status: "up",
      httpStatus: 200,
      attempts: 1,
      timings: { totalMs: 12.5, dnsMs: 1, connectMs: 2, ttfbMs: 9 },
    },
    {
      component: "livekit",
      check: "health",
      url: "https://livekit.example.org/",
      status: "down",
      reason: "TLS: certificate has expired (CERT_HAS_EXPIRED)",
      attempts: 2,
      timings: { totalMs: 30, dnsMs: 1, connectMs: 2, tlsMs: 20 },
      certDaysLeft: -2.5,
    },
    {
      component: "garage",
      check: "health",
      url: "http://garage:3903/health",
      status: "degraded",
      reason: "Garage degraded: some storage nodes are unavailable",
      httpStatus: 200,
      attempts: 1,
      timings: { totalMs: 5, dnsMs: 1, connectMs: 1, ttfbMs: 2 },
    },
  ],
};

describe("metric datums", () => {
  it("follow the contract: Up every check, phases when measured, Degraded for Garage, one heartbeat", () => {
    const datums = cycleDatums(report);
    const summary = datums.map(
      (d) => `${d.name}${d.dimensions.map((x) => `|${x.name}=${x.value}`).join("")}=${d.value}`,
    );
    expect(summary).toEqual([
      "Up|Component=backend|Check=heartbeat|Vantage=eu-west-3=1",
      "Latency|Component=backend|Check=heartbeat|Vantage=eu-west-3=12.5",
      "DnsTime|Component=backend|Check=heartbeat|Vantage=eu-west-3=1",
      "ConnectTime|Component=backend|Check=heartbeat|Vantage=eu-west-3=2",
      "Ttfb|Component=backend|Check=heartbeat|Vantage=eu-west-3=9",
      "Up|Component=livekit|Check=health|Vantage=eu-west-3=0",
      "Latency|Component=livekit|Check=health|Vantage=eu-west-3=30",
      "DnsTime|Component=livekit|Check=health|Vantage=eu-west-3=1",
      "ConnectTime|Component=livekit|Check=health|Vantage=eu-west-3=2",
      "TlsTime|Component=livekit|Check=health|Vantage=eu-west-3=20",
      "CertDaysLeft|Component=livekit|Check=health|Vantage=eu-west-3=-2.5",
      "Up|Component=garage|Check=health|Vantage=eu-west-3=1",
      "Latency|Component=garage|Check=health|Vantage=eu-west-3=5",
      "DnsTime|Component=garage|Check=health|Vantage=eu-west-3=1",
      "ConnectTime|Component=garage|Check=health|Vantage=eu-west-3=1",
      "Ttfb|Component=garage|Check=health|Vantage=eu-west-3=2",
      "Degraded|Component=garage|Check=health|Vantage=eu-west-3=1",
      "MonitorHeartbeat|Vantage=eu-west-3=1",
    ]);
    expect(datums.find((d) => d.name === "Up")?.unit).toBe("None");
    expect(datums.find((d) => d.name === "Latency")?.unit).toBe("Milliseconds");
    expect(datums.find((d) => d.name === "MonitorHeartbeat")?.unit).toBe("Count");
  });

  it("refuses non-finite values, which PutMetricData would reject", () => {
    expect(() =>
      datum(CheckMetrics.Latency, Number.NaN, { Component: "a", Check: "b", Vantage: "c" }),
    ).toThrow(/not a finite number/);
  });
});

describe("CloudWatch publisher (real SDK client, local endpoint)", () => {
  it("sends PutMetricData as AWS JSON 1.0, signed, with the namespace, units and one timestamp", async () => {
    const publisher = createCloudWatchPublisher({ client: endpoint.client() });
    const result = await publisher.publish("LaSuiteMeet", timestamp, cycleDatums(report));
    expect(result).toEqual({ requests: 1 });
    const [request] = endpoint.requests;
    expect(request?.operation).toBe("PutMetricData");
    expect(request?.signed).toBe(true);
    expect(request?.body.Namespace).toBe("LaSuiteMeet");
    const up = request?.body.MetricData?.[0];
    expect(up).toEqual({
      MetricName: "Up",
      Dimensions: [
        { Name: "Component", Value: "backend" },
        { Name: "Check", Value: "heartbeat" },
        { Name: "Vantage", Value: "eu-west-3" },
      ],
      Unit: "None",
      Value: 1,
      Timestamp: timestamp.getTime() / 1000,
      StorageResolution: 60,
    });
    const timestamps = new Set(request?.body.MetricData?.map((d) => d.Timestamp));
    expect([...timestamps]).toEqual([timestamp.getTime() / 1000]);
  });

  it("batches above 1000 datums, gzip-compressing large bodies", async () => {
    const publisher = createCloudWatchPublisher({ client: endpoint.client() });
    const result = await publisher.publish("LaSuiteMeet", timestamp, manyDatums(2500));
    expect(result.requests).toBe(3);
    expect(endpoint.requests.map((request) => request.body.MetricData?.length)).toEqual([
      MAX_DATUMS_PER_REQUEST,
      MAX_DATUMS_PER_REQUEST,
      500,
    ]);
    expect(endpoint.requests.every((request) => request.gzip)).toBe(true);
    expect(endpoint.datums().map((d) => d.Value)).toEqual(Array.from({ length: 2500 }, (_, index) => index));
  });

  it("rides out a 500 answer through the SDK's retry", async () => {
    endpoint.failNext(500);
    const publisher = createCloudWatchPublisher({ client: endpoint.client() });
    const lines: string[] = [];
    const outcome = await publishWithFallback(
      publisher,
      "LaSuiteMeet",
      timestamp,
      cycleDatums(report),
      (line) => lines.push(line),
    );
    expect(outcome).toEqual({ ok: true, requests: 1, datums: 18 });
    expect(endpoint.requests).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  it("writes the datums as EMF and reports the failure when retries are exhausted", async () => {
    endpoint.failAlways(500);
    const publisher = createCloudWatchPublisher({ client: endpoint.client() });
    const lines: string[] = [];
    const datums = cycleDatums(report);
    const outcome = await publishWithFallback(publisher, "LaSuiteMeet", timestamp, datums, (line) =>
      lines.push(line),
    );
    expect(endpoint.requests).toHaveLength(3);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatch(
      /^PutMetricData failed: InternalServiceFault: injected failure \(HTTP 500\)/,
    );
    expect(outcome.emfLines).toBe(lines.length);
    expect(lines).toEqual(toEmfLines("LaSuiteMeet", timestamp, datums));
    expect(fromEmf(lines)).toEqual(
      datums.map((d) => ({ name: d.name, unit: d.unit, value: d.value, dims: d.dimensions })).sort(byKey),
    );
  });

  it("gives up within its budget when CloudWatch hangs, so the EMF fallback still runs", async () => {
    const hung = await startRawServer(() => undefined);
    try {
      const client = new CloudWatchClient({
        region: "eu-west-3",
        endpoint: hung.url,
        credentials: { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local-test-secret" },
      });
      const lines: string[] = [];
      const outcome = await publishWithFallback(
        createCloudWatchPublisher({ client, budgetMs: 300 }),
        "LaSuiteMeet",
        timestamp,
        cycleDatums(report),
        (line) => lines.push(line),
      );
      expect(outcome.ok).toBe(false);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      await hung.close();
    }
  });

  it("honours AWS_ENDPOINT_URL_CLOUDWATCH, AWS_REGION and the credentials chain by default", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
      AWS_REGION: "eu-west-3",
      AWS_ACCESS_KEY_ID: "AKIDFROMENV",
      AWS_SECRET_ACCESS_KEY: "env-secret",
    });
    try {
      const publisher = createCloudWatchPublisher({ client: defaultCloudWatchClient() });
      await publisher.publish("Custom/Meet", timestamp, manyDatums(3));
      expect(endpoint.requests).toHaveLength(1);
      expect(endpoint.requests[0]?.body.Namespace).toBe("Custom/Meet");
      expect(endpoint.requests[0]?.signed).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});

describe("EMF", () => {
  it("groups datums by dimension set and follows the EMF specification", () => {
    const lines = toEmfLines("LaSuiteMeet", timestamp, cycleDatums(report));
    expect(lines).toHaveLength(4);
    const heartbeat = JSON.parse(lines[3] ?? "{}");
    expect(heartbeat).toEqual({
      _aws: {
        Timestamp: timestamp.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: "LaSuiteMeet",
            Dimensions: [["Vantage"]],
            Metrics: [{ Name: "MonitorHeartbeat", Unit: "Count", StorageResolution: 60 }],
          },
        ],
      },
      Vantage: "eu-west-3",
      MonitorHeartbeat: 1,
    });
  });

  it("splits groups of more than 100 metrics (the EMF limit)", () => {
    const datums = Array.from({ length: 150 }, (_, index) =>
      datum({ ...CheckMetrics.Latency, name: `M${index}` }, index, {
        Component: "a",
        Check: "b",
        Vantage: "c",
      }),
    );
    const lines = toEmfLines("NS", timestamp, datums);
    expect(lines.map((line) => JSON.parse(line)._aws.CloudWatchMetrics[0].Metrics.length)).toEqual([100, 50]);
  });
});

interface FlatDatum {
  name: string;
  unit: string;
  value: number;
  dims: readonly { name: string; value: string }[];
}

function fromEmf(lines: readonly string[]): FlatDatum[] {
  const out: FlatDatum[] = [];
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    };
    const directive = record._aws.CloudWatchMetrics[0];
    if (!directive) continue;
    const dims = (directive.Dimensions[0] ?? []).map((name) => ({ name, value: String(record[name]) }));
    for (const metric of directive.Metrics) {
      out.push({ name: metric.Name, unit: metric.Unit, value: Number(record[metric.Name]), dims });
    }
  }
  return out.sort(byKey);
}

function byKey(a: FlatDatum, b: FlatDatum): number {
  const key = (d: FlatDatum) => `${d.name}${JSON.stringify(d.dims)}`;
  return key(a).localeCompare(key(b));
}
