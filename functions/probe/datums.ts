/**
 * Results -> metric datums, following the contract in shared/metrics.ts exactly.
 * A plain data type stands in for the SDK's MetricDatum so this stays free of AWS imports.
 */
import type { MetricsDetail } from "../shared/config/index.ts";
import {
  type CheckMeasurementName,
  CheckMetrics,
  DeepCheckMetrics,
  type DimensionName,
  type MetricSpec,
  type MetricUnit,
  MonitorMetrics,
  PHASE_METRICS,
  publishesPhases,
  TURN_CHECKS,
} from "../shared/metrics.ts";
import type { CheckResult, CycleReport } from "./cycle.ts";

export interface Datum {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
  /** Exactly the dimensions the metric's spec lists, in its order. */
  readonly dimensions: readonly { readonly name: DimensionName; readonly value: string }[];
}

export type DimensionValues = Partial<Record<DimensionName, string>>;

/** Builds a datum for `spec`, taking exactly the dimensions the contract gives it. */
export function datum(spec: MetricSpec, value: number, values: DimensionValues): Datum {
  if (!Number.isFinite(value)) {
    // PutMetricData rejects NaN and Infinity; a non-finite figure is a bug upstream of here.
    throw new RangeError(`${spec.name}: value ${value} is not a finite number`);
  }
  const dimensions = spec.dimensions.map((name) => {
    const dimensionValue = values[name];
    if (!dimensionValue) throw new RangeError(`${spec.name}: dimension ${name} has no value`);
    return { name, value: dimensionValue };
  });
  return { name: spec.name, unit: spec.unit, value, dimensions };
}

/**
 * A check's datums. `essential` leaves out the phase timings (they stay in the check's log line):
 * with several vantages they would be paid for once per vantage.
 */
export function checkDatums(result: CheckResult, vantage: string, detail: MetricsDetail = "full"): Datum[] {
  const dims: DimensionValues = { Component: result.component, Check: result.check, Vantage: vantage };
  const { timings } = result;
  const datums = [
    datum(CheckMetrics.Up, result.status === "down" ? 0 : 1, dims),
    datum(CheckMetrics.Latency, timings.totalMs, dims),
  ];
  const optional = [
    [CheckMetrics.DnsTime, timings.dnsMs],
    [CheckMetrics.ConnectTime, timings.connectMs],
    [CheckMetrics.TlsTime, timings.tlsMs],
    [CheckMetrics.Ttfb, timings.ttfbMs],
    [CheckMetrics.CertDaysLeft, result.certDaysLeft],
  ] as const;
  const phasesPublished = detail === "full" && publishesPhases(result.component, result.check);
  for (const [spec, value] of optional) {
    if (value === undefined || (!phasesPublished && PHASE_METRICS.includes(spec))) continue;
    datums.push(datum(spec, value, dims));
  }
  if (result.component === CheckMetrics.Degraded.component && result.check === "health") {
    datums.push(datum(CheckMetrics.Degraded, result.status === "degraded" ? 1 : 0, dims));
  }
  for (const [name, value] of Object.entries(result.measurements ?? {})) {
    if (value !== undefined) datums.push(datum(DeepCheckMetrics[name as CheckMeasurementName], value, dims));
  }
  return datums;
}

/**
 * TurnRelayUp: 1 when any TURN transport checked this cycle allocated a relay, 0 when all failed,
 * nothing when none was checked (the join failed or listed none: its own alarm speaks then).
 */
export function turnRelayDatums(report: CycleReport): Datum[] {
  const turn = report.checks.filter(
    (result) => result.component === "livekit" && (TURN_CHECKS as readonly string[]).includes(result.check),
  );
  if (turn.length === 0) return [];
  const up = turn.some((result) => result.status !== "down") ? 1 : 0;
  return [datum(DeepCheckMetrics.TurnRelayUp, up, { Component: "livekit", Vantage: report.vantage })];
}

/** Every datum of a completed cycle, MonitorHeartbeat included. */
export function cycleDatums(
  report: CycleReport,
  extra: readonly Datum[] = [],
  detail: MetricsDetail = "full",
): Datum[] {
  return [
    ...report.checks.flatMap((result) => checkDatums(result, report.vantage, detail)),
    ...turnRelayDatums(report),
    ...extra,
    datum(MonitorMetrics.MonitorHeartbeat, 1, { Vantage: report.vantage }),
  ];
}
