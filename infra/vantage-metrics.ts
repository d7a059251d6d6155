/**
 * The metric math of the alarms over several vantages (functions/shared/plan/consensus.ts, where
 * it is text) as CDK expressions: each query reads the metrics and expressions defined before it
 * that it names, and the watched one becomes the alarm's metric.
 */
import { Duration } from "aws-cdk-lib";
import { type IMetric, MathExpression, type Metric } from "aws-cdk-lib/aws-cloudwatch";
import { type MetricSpec, MonitorMetrics } from "../functions/shared/metrics.ts";
import {
  consensusMath,
  type MathQuery,
  partialMath,
  quorumMath,
  type VantageMath,
  type VantageSource,
} from "../functions/shared/plan/index.ts";

export interface MathOptions {
  readonly statistic: string;
  readonly periodSeconds: number;
}

/** A vantage's metric of the contract, labelled: built by the caller, which knows the namespace. */
export type VantageMetric = (spec: MetricSpec, vantage: string, label: string) => Metric;

/** The alarm metric of a consensus, partial-outage or lost-quorum alarm. */
export function vantageSourceMath(
  source: VantageSource,
  options: MathOptions,
  metricOf: VantageMetric,
): MathExpression {
  if (source.kind === "quorum") {
    const math = quorumMath(source.vantages, source.minVantages);
    return vantageMathExpression(math, options, (vantage, label) =>
      metricOf(MonitorMetrics.MonitorHeartbeat, vantage, label),
    );
  }
  const build = source.kind === "consensus" ? consensusMath : partialMath;
  const label = `${source.component}${source.check === undefined ? "" : `/${source.check}`} ${source.spec.name}`;
  const math = build(source.vantages, source.down, source.minVantages, label);
  return vantageMathExpression(math, options, (vantage, label) => metricOf(source.spec, vantage, label));
}

export function vantageMathExpression(
  math: VantageMath,
  options: MathOptions,
  vantageMetric: (vantage: string, label: string) => Metric,
): MathExpression {
  const defined = new Map<string, IMetric>();
  const period = Duration.seconds(options.periodSeconds);
  const build = (query: MathQuery): IMetric => {
    if ("vantage" in query) return vantageMetric(query.vantage, query.label);
    const usingMetrics = Object.fromEntries(
      [...defined].filter(([id]) => new RegExp(`\\b${id}\\b`).test(query.expression)),
    );
    return new MathExpression({ expression: query.expression, usingMetrics, label: query.label, period });
  };
  for (const query of math.queries) defined.set(query.id, build(query));
  const watched = defined.get(math.watched);
  if (!(watched instanceof MathExpression)) {
    throw new Error(`${math.watched} is not an expression of the math`);
  }
  return watched;
}
