/**
 * The monthly cost model: our Lambda beside CloudWatch Synthetics canaries doing the same three
 * checks, with the same alarms, from one region or several (a probe per vantage; a multi-location
 * canary pays each run once per region). Pure arithmetic over measured inputs; the prices are
 * AWS's us-east-1 list prices (shared/reference/meet-stack-facts.md, "AWS facts").
 */
import { MonitorMetrics, PHASE_METRICS } from "../functions/shared/metrics.ts";

export const PRICES = {
  /** Lambda arm64, per GB-second. */
  lambdaGbSecond: 0.000_013_333_4,
  lambdaPerMillionRequests: 0.2,
  /** CloudWatch API (PutMetricData), per 1,000 requests. */
  cloudwatchApiPerThousand: 0.01,
  customMetricMonth: 0.3,
  /** A standard-resolution alarm, per metric it watches (a metric-math alarm pays for each metric). */
  standardAlarmMetricMonth: 0.1,
  compositeAlarmMonth: 0.5,
  syntheticsCanaryRun: 0.0012,
} as const;

/**
 * The custom metrics a vantage other than home publishes, out of those the home probe was measured
 * publishing (`Name{Dim=value,...}`): the checks' metrics without the phase timings (essential
 * detail) and the heartbeat; no white-box figure or source state (only one vantage reads them).
 */
export function remoteCustomMetrics(homeMetrics: readonly string[]): number {
  const phases = new Set(PHASE_METRICS.map((spec) => spec.name));
  return homeMetrics.filter((metric) => {
    const name = metric.split("{")[0] ?? "";
    return !phases.has(name) && (metric.includes("Check=") || name === MonitorMetrics.MonitorHeartbeat.name);
  }).length;
}

/** One run a minute over a 30-day month (the average month, 30.42 days, would be 43,800). */
export const RUNS_PER_MONTH = 30 * 24 * 60;

/** Lambda gives a function one vCPU at 1,769 MB and a proportional share below. */
export const LAMBDA_MB_PER_VCPU = 1769;

export interface CostInputs {
  readonly runsPerMonth: number;
  /** Billed duration of one run, ms (Lambda rounds each invocation up to the millisecond). */
  readonly durationMs: number;
  readonly memoryMb: number;
  readonly putMetricDataRequestsPerRun: number;
  /** Unique metric name + dimensions combinations one cycle publishes. */
  readonly customMetrics: number;
  /** Metrics watched by the standard alarms (one per plain alarm, each metric of a math alarm). */
  readonly alarmMetrics: number;
  readonly compositeAlarms: number;
  /** Synthetics: canaries running the three checks (one canary can run the three as steps). */
  readonly canaries: number;
  /**
   * Regions probing (deployment.vantages; Synthetics: the canary's locations). @default 1. Each
   * runs the function and publishes; `customMetrics` and the alarms are then the home region's.
   */
  readonly vantages?: number;
  /** Custom metrics each vantage other than home adds (essential detail, no white-box). @default 0 */
  readonly remoteCustomMetrics?: number;
}

export interface CostLine {
  readonly item: string;
  readonly usd: number;
  readonly detail: string;
}

export interface CostSide {
  /** What running the checks costs: Lambda compute and requests, or the canary runs. */
  readonly computeUsd: number;
  readonly totalUsd: number;
  readonly lines: readonly CostLine[];
}

export interface CostModel {
  readonly inputs: CostInputs;
  readonly ours: CostSide;
  readonly synthetics: CostSide;
  /** Synthetics compute over ours. */
  readonly computeRatio: number;
  readonly totalRatio: number;
}

function usd(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function costModel(inputs: CostInputs): CostModel {
  const vantages = inputs.vantages ?? 1;
  const others = vantages - 1;
  const each = vantages === 1 ? "" : `${vantages} vantages x `;
  const runs = inputs.runsPerMonth;
  const billedMs = Math.ceil(inputs.durationMs);
  // Every vantage's run is priced at the home run's measured duration: an upper bound, as the
  // others read no white-box source.
  const gbSeconds = vantages * runs * (billedMs / 1000) * (inputs.memoryMb / 1024);
  const customMetrics = inputs.customMetrics + others * (inputs.remoteCustomMetrics ?? 0);
  const alarms: CostLine[] = [
    {
      item: "alarms",
      usd: usd(inputs.alarmMetrics * PRICES.standardAlarmMetricMonth),
      detail: `${inputs.alarmMetrics} alarm metrics x $${PRICES.standardAlarmMetricMonth}`,
    },
    ...(inputs.compositeAlarms > 0
      ? [
          {
            item: "composite alarms",
            usd: usd(inputs.compositeAlarms * PRICES.compositeAlarmMonth),
            detail: `${inputs.compositeAlarms} x $${PRICES.compositeAlarmMonth}`,
          },
        ]
      : []),
  ];
  const lambdaCompute: CostLine = {
    item: "Lambda compute",
    usd: usd(gbSeconds * PRICES.lambdaGbSecond),
    detail: `${each}${runs} runs x ${billedMs} ms x ${inputs.memoryMb} MB = ${Math.round(gbSeconds)} GB-s x $${PRICES.lambdaGbSecond}`,
  };
  const lambdaRequests: CostLine = {
    item: "Lambda requests",
    usd: usd(((vantages * runs) / 1_000_000) * PRICES.lambdaPerMillionRequests),
    detail: `${each}${runs} x $${PRICES.lambdaPerMillionRequests} per million`,
  };
  const putRequests = vantages * runs * inputs.putMetricDataRequestsPerRun;
  const ourLines: CostLine[] = [
    lambdaCompute,
    lambdaRequests,
    {
      item: "PutMetricData",
      usd: usd((putRequests / 1000) * PRICES.cloudwatchApiPerThousand),
      detail: `${putRequests} requests x $${PRICES.cloudwatchApiPerThousand} per 1,000`,
    },
    {
      item: "custom metrics",
      usd: usd(customMetrics * PRICES.customMetricMonth),
      detail: `${others === 0 ? customMetrics : `(${inputs.customMetrics} at home + ${others} x ${inputs.remoteCustomMetrics ?? 0})`} x $${PRICES.customMetricMonth}`,
    },
    ...alarms,
  ];
  const canaryRuns = runs * inputs.canaries * vantages;
  const syntheticsLines: CostLine[] = [
    {
      item: "canary runs",
      usd: usd(canaryRuns * PRICES.syntheticsCanaryRun),
      detail: `${inputs.canaries} canary x ${vantages === 1 ? "" : `${vantages} regions x `}${runs} runs x $${PRICES.syntheticsCanaryRun}`,
    },
    ...alarms,
  ];
  const sum = (lines: readonly CostLine[]): number => usd(lines.reduce((total, line) => total + line.usd, 0));
  const ours: CostSide = {
    computeUsd: usd(lambdaCompute.usd + lambdaRequests.usd),
    totalUsd: sum(ourLines),
    lines: ourLines,
  };
  const synthetics: CostSide = {
    computeUsd: syntheticsLines[0]?.usd ?? 0,
    totalUsd: sum(syntheticsLines),
    lines: syntheticsLines,
  };
  return {
    inputs,
    ours,
    synthetics,
    computeRatio: Math.round(synthetics.computeUsd / ours.computeUsd),
    totalRatio: Math.round((synthetics.totalUsd / ours.totalUsd) * 10) / 10,
  };
}

/**
 * The duration a run would take in Lambda: the wall time measured here, plus the CPU time stretched
 * to the function's CPU share (at 256 MB, about a seventh of a vCPU).
 */
export function lambdaDurationMs(wallMs: number, cpuMs: number, memoryMb: number): number {
  const share = Math.min(1, memoryMb / LAMBDA_MB_PER_VCPU);
  return wallMs + cpuMs * (1 / share - 1);
}

/** A CloudFormation template's alarms, counted the way CloudWatch bills them. */
export function countAlarms(template: {
  Resources?: Record<string, { Type?: string; Properties?: unknown }>;
}): {
  alarms: number;
  alarmMetrics: number;
  compositeAlarms: number;
} {
  let alarms = 0;
  let alarmMetrics = 0;
  let compositeAlarms = 0;
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type === "AWS::CloudWatch::CompositeAlarm") compositeAlarms++;
    if (resource.Type !== "AWS::CloudWatch::Alarm") continue;
    alarms++;
    const properties = (resource.Properties ?? {}) as { Metrics?: readonly { MetricStat?: unknown }[] };
    alarmMetrics += properties.Metrics
      ? Math.max(1, properties.Metrics.filter((query) => query.MetricStat !== undefined).length)
      : 1;
  }
  return { alarms, alarmMetrics, compositeAlarms };
}
