/**
 * The CloudWatch metrics the alarms and the dashboard read: `Metric`s built from the metrics
 * contract (functions/shared/metrics.ts), whose names, units and dimension lists come from the
 * specs, never retyped here, so an alarm can only watch a metric the probe actually publishes.
 * The metric math over AWS's own metrics (ALB, RDS, ElastiCache), for the sources the probe does
 * not read, is in aws-metrics.ts.
 */
import { Duration } from "aws-cdk-lib";
import { type IMetric, MathExpression, Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import {
  CHECK_NAME,
  type CheckComponent,
  type CheckName,
  type Component,
  type DimensionName,
  type MetricSpec,
} from "../functions/shared/metrics.ts";
import type { AlarmSource, SourceInstance } from "../functions/shared/plan/index.ts";
import { type VantagePlan, vantageNames } from "../functions/shared/plan/index.ts";
import {
  albErrorRate,
  albResponseTimeMs,
  elasticacheMetric,
  rdsConnectionsPercent,
  rdsReplicaLag,
} from "./aws-metrics.ts";
import { vantageSourceMath } from "./vantage-metrics.ts";

export interface MetricContext {
  /** The configured namespace. */
  readonly namespace: string;
  /** The Vantage dimension the Lambda publishes with: config.vantage, or the stack's region (a token). */
  readonly vantage: string;
}

export interface MetricOptions {
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly label?: string;
}

/**
 * The dimension values a spec needs, derived from the component and, for check metrics, the check
 * (the component's health check unless another is given).
 */
export function dimensionsFor(
  spec: MetricSpec,
  context: MetricContext,
  component?: Component,
  check?: CheckName,
  instance?: SourceInstance,
): Record<DimensionName, string> | Partial<Record<DimensionName, string>> {
  const values: Partial<Record<DimensionName, string>> = {};
  for (const name of spec.dimensions) {
    if (name === "Vantage") values.Vantage = context.vantage;
    else if (name === "Host" || name === "Bucket") {
      if (instance?.dimension !== name) throw new Error(`${spec.name} needs a ${name} dimension`);
      values[name] = instance.value;
    } else if (name === "Component") {
      if (component === undefined) throw new Error(`${spec.name} needs a Component dimension`);
      values.Component = component;
    } else {
      if (component === undefined || !isCheckComponent(component)) {
        throw new Error(`${spec.name} needs a Check dimension: ${String(component)} has no black-box check`);
      }
      values.Check = check ?? CHECK_NAME[component];
    }
  }
  return values;
}

export function contractMetric(
  spec: MetricSpec,
  context: MetricContext,
  options: MetricOptions,
  component?: Component,
  check?: CheckName,
  instance?: SourceInstance,
): Metric {
  const owner = component ?? spec.component;
  return new Metric({
    namespace: context.namespace,
    metricName: spec.name,
    dimensionsMap: dimensionsFor(spec, context, owner, check, instance) as Record<string, string>,
    statistic: options.statistic,
    period: Duration.seconds(options.periodSeconds),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}

/** The probe function's errors, throttles and duration per minute; none without a probe in the stack. */
export function probeFunctionMetrics(probe: IFunction | undefined): IMetric[] {
  if (probe === undefined) return [];
  const period = Duration.minutes(1);
  return [
    probe.metricErrors({ period, statistic: "Sum" }),
    probe.metricThrottles({ period, statistic: "Sum" }),
    probe.metricDuration({ period, statistic: "Maximum" }),
  ];
}

/** A contract metric of each vantage, labelled with it; just the primary vantage's with one vantage. */
export function vantageMetrics(
  spec: MetricSpec,
  context: MetricContext,
  vantages: VantagePlan,
  options: MetricOptions,
  component?: Component,
): Metric[] {
  if (!vantages.consensus) return [contractMetric(spec, context, options, component)];
  return vantageNames(vantages).map((vantage) =>
    contractMetric(
      spec,
      { ...context, vantage },
      { ...options, label: `${spec.name} ${vantage}` },
      component,
    ),
  );
}

function isCheckComponent(component: Component): component is CheckComponent {
  return component in CHECK_NAME;
}

/** The stack's own resources whose AWS metrics some alarms watch. */
export interface MonitorResources {
  /** The home region's probe function, when the home region probes (its errors' alarm). */
  readonly probe: IFunction | undefined;
  /** The dead-letter queue of the https subscriptions, when there is one. */
  readonly deadLetters?: IQueue | undefined;
  /** The alarm topics, whose https subscriptions redrive to that queue. */
  readonly topics?: readonly ITopic[];
}

/** The metric (or metric math) an alarm of the plan watches; also used by the dashboard. */
export function sourceMetric(
  source: AlarmSource,
  statistic: string,
  periodSeconds: number,
  metrics: MetricContext,
  resources: MonitorResources,
): IMetric {
  const period = Duration.seconds(periodSeconds);
  const options = { statistic, periodSeconds };
  switch (source.kind) {
    case "contract": {
      const context = source.vantage === undefined ? metrics : { ...metrics, vantage: source.vantage };
      return contractMetric(source.spec, context, options, source.component, source.check, source.instance);
    }
    case "lambdaErrors":
      if (resources.probe === undefined) {
        throw new Error("the probe function's errors need a probe in this stack");
      }
      return resources.probe.metricErrors({ statistic, period });
    case "deadLetterQueue":
      if (!resources.deadLetters)
        throw new Error("the plan has a dead-letter queue alarm but the stack no queue");
      return undeliveredPages(resources.deadLetters, resources.topics ?? [], statistic, period);
    case "consensus":
    case "partial":
    case "quorum":
      return vantageSourceMath(source, options, (spec, vantage, label) =>
        contractMetric(
          spec,
          { ...metrics, vantage },
          { ...options, label },
          source.kind === "quorum" ? undefined : source.component,
          source.kind === "quorum" ? undefined : source.check,
        ),
      );
    case "alb":
      return albErrorRate(source.loadBalancer, source.targetGroup, period);
    case "albResponseTime":
      return albResponseTimeMs(source.loadBalancer, source.targetGroup, "p95", period);
    case "rds":
      return rdsConnectionsPercent(source.instanceId, source.maxConnections, period);
    case "rdsReplicaLag":
      return rdsReplicaLag(source.replicaIds, period);
    case "elasticache":
      return elasticacheMetric(
        source.metricName,
        source.cacheClusterId,
        source.cacheNodeId,
        statistic,
        period,
      );
  }
}

/**
 * Pages that never arrived: the messages waiting in the dead-letter queue, plus those SNS could
 * not even put there (NumberOfNotificationsFailedToRedriveToDlq of each topic: a queue or key
 * policy refusing SNS would otherwise lose a page without a trace). Both are counted; the queue's
 * own metric keeps the alarm on until someone empties it.
 */
export function undeliveredPages(
  queue: IQueue,
  topics: readonly ITopic[],
  statistic: string,
  period: Duration,
): MathExpression {
  const lost = Object.fromEntries(
    topics.map((topic, index) => [
      `lost${index}`,
      topic.metric("NumberOfNotificationsFailedToRedriveToDlq", { statistic: "Sum", period }),
    ]),
  );
  return new MathExpression({
    expression: ["FILL(waiting, 0)", ...Object.keys(lost).map((id) => `FILL(${id}, 0)`)].join(" + "),
    usingMetrics: {
      waiting: queue.metricApproximateNumberOfMessagesVisible({ statistic, period }),
      ...lost,
    },
    label: "Pages undelivered (dead-letter queue, failed redrives)",
    period,
  });
}
