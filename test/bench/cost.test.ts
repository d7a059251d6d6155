import { describe, expect, it } from "vitest";
import {
  costModel,
  countAlarms,
  lambdaDurationMs,
  PRICES,
  RUNS_PER_MONTH,
  remoteCustomMetrics,
} from "../../bench/cost.ts";
import { percentile, summarizeErrors } from "../../bench/stats.ts";

describe("cost model", () => {
  const model = costModel({
    runsPerMonth: RUNS_PER_MONTH,
    durationMs: 199.2,
    memoryMb: 256,
    putMetricDataRequestsPerRun: 1,
    customMetrics: 19,
    alarmMetrics: 9,
    compositeAlarms: 0,
    canaries: 1,
  });

  it("bills Lambda per GB-second of rounded-up duration, plus requests", () => {
    // 43,200 runs x 0.2 s x 0.25 GB = 2,160 GB-s
    expect(RUNS_PER_MONTH).toBe(43_200);
    const compute = model.ours.lines.find((line) => line.item === "Lambda compute");
    expect(compute?.usd).toBeCloseTo(2160 * PRICES.lambdaGbSecond, 4);
    expect(model.ours.computeUsd).toBeCloseTo(2160 * PRICES.lambdaGbSecond + 0.0432 * 0.2, 3);
  });

  it("adds PutMetricData, custom metrics and alarms to the total", () => {
    const total = model.ours.computeUsd + 0.432 + 19 * 0.3 + 9 * 0.1;
    expect(model.ours.totalUsd).toBeCloseTo(total, 3);
  });

  it("prices a canary at $0.0012 a run with the same alarms", () => {
    expect(model.synthetics.computeUsd).toBeCloseTo(51.84, 2);
    expect(model.synthetics.totalUsd).toBeCloseTo(51.84 + 0.9, 2);
    expect(model.computeRatio).toBe(Math.round(51.84 / model.ours.computeUsd));
  });

  it("stretches CPU time to the function's share of a vCPU", () => {
    expect(lambdaDurationMs(100, 10, 1769)).toBeCloseTo(100, 6);
    expect(lambdaDurationMs(100, 10, 256)).toBeCloseTo(100 + 10 * (1769 / 256 - 1), 6);
  });

  it("counts each metric of a metric-math alarm and composite alarms apart", () => {
    const counted = countAlarms({
      Resources: {
        a: { Type: "AWS::CloudWatch::Alarm", Properties: { MetricName: "Up" } },
        b: {
          Type: "AWS::CloudWatch::Alarm",
          Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: "m1+m2" }] },
        },
        c: { Type: "AWS::CloudWatch::CompositeAlarm", Properties: {} },
        d: { Type: "AWS::SNS::Topic" },
      },
    });
    expect(counted).toEqual({ alarms: 2, alarmMetrics: 3, compositeAlarms: 1 });
  });
});

describe("cost model with several vantages", () => {
  const inputs = {
    runsPerMonth: RUNS_PER_MONTH,
    durationMs: 199.2,
    memoryMb: 256,
    putMetricDataRequestsPerRun: 1,
    customMetrics: 19,
    alarmMetrics: 9,
    compositeAlarms: 0,
    canaries: 1,
  };
  const one = costModel(inputs);
  const three = costModel({ ...inputs, vantages: 3, remoteCustomMetrics: 8, alarmMetrics: 40 });
  const line = (side: { lines: readonly { item: string; usd: number }[] }, item: string) =>
    side.lines.find((entry) => entry.item === item)?.usd ?? Number.NaN;

  it("runs and publishes once per vantage, the others adding their own essential metrics", () => {
    expect(line(three.ours, "Lambda compute")).toBeCloseTo(3 * line(one.ours, "Lambda compute"), 3);
    expect(line(three.ours, "Lambda requests")).toBeCloseTo((3 * RUNS_PER_MONTH * 0.2) / 1_000_000, 4);
    expect(line(three.ours, "PutMetricData")).toBeCloseTo(3 * 0.432, 3);
    expect(line(three.ours, "custom metrics")).toBeCloseTo((19 + 2 * 8) * PRICES.customMetricMonth, 4);
    expect(line(three.ours, "alarms")).toBeCloseTo(40 * PRICES.standardAlarmMetricMonth, 4);
    expect(three.ours.lines.find((entry) => entry.item === "custom metrics")?.detail).toBe(
      "(19 at home + 2 x 8) x $0.3",
    );
  });

  it("prices a multi-location canary per run and per region, with the same alarms", () => {
    expect(line(three.synthetics, "canary runs")).toBeCloseTo(3 * 51.84, 2);
    expect(three.synthetics.totalUsd).toBeCloseTo(3 * 51.84 + 4, 2);
    expect(three.totalRatio).toBe(Math.round((three.synthetics.totalUsd / three.ours.totalUsd) * 10) / 10);
  });

  it("counts what a vantage other than home publishes: checks without phases, and its heartbeat", () => {
    const measured = [
      "Up{Component=backend,Check=heartbeat,Vantage=eu-west-3}",
      "Latency{Component=backend,Check=heartbeat,Vantage=eu-west-3}",
      "DnsTime{Component=backend,Check=heartbeat,Vantage=eu-west-3}",
      "Ttfb{Component=backend,Check=heartbeat,Vantage=eu-west-3}",
      "CertDaysLeft{Component=livekit,Check=health,Vantage=eu-west-3}",
      "Degraded{Component=garage,Check=health,Vantage=eu-west-3}",
      "DiskFreePercent{Component=garage,Vantage=eu-west-3}",
      "SourceUp{Component=garage,Vantage=eu-west-3}",
      "MonitorHeartbeat{Vantage=eu-west-3}",
    ];
    expect(remoteCustomMetrics(measured)).toBe(5);
  });
});

describe("statistics", () => {
  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 99)).toBe(198);
    expect(summarizeErrors([3, 1, 2])).toEqual({ n: 3, medianMs: 2, p99Ms: 3, minMs: 1, maxMs: 3 });
  });
});
