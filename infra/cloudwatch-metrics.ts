/**
 * The CloudWatch metrics the alarms and the dashboard read: `Metric`s built from the metrics
 * contract (functions/shared/metrics.ts), whose names, units and dimension lists come from the
 * specs, never retyped here, so an alarm can only watch a metric the probe actually publishes;
 * and the metric math over AWS's own metrics (ALB, RDS) for the sources the probe does not read.
 */
import { Duration } from "aws-cdk-lib";
import { type IMetric, MathExpression, Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
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
      return resources.deadLetters.metricApproximateNumberOfMessagesVisible({ statistic, period });
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
 * A percentile of the load balancer's TargetResponseTime (seconds), in milliseconds like the
 * monitor's own ResponseTimeP95, so one threshold fits both.
 */
export function albResponseTimeMs(
  loadBalancer: string,
  targetGroup: string | undefined,
  percentile: "p50" | "p95",
  period: Duration,
): MathExpression {
  // Ids are per graph: the p50 and p95 expressions of one panel need their own.
  const id = `seconds${percentile}`;
  return new MathExpression({
    expression: `1000 * ${id}`,
    usingMetrics: {
      [id]: new Metric({
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensionsMap: {
          LoadBalancer: loadBalancer,
          ...(targetGroup === undefined ? {} : { TargetGroup: targetGroup }),
        },
        statistic: percentile,
        period,
      }),
    },
    label: `TargetResponseTime ${percentile} (ALB, ms)`,
    period,
  });
}

/** The highest ReplicaLag (seconds) of the read replicas. */
export function rdsReplicaLag(replicaIds: readonly string[], period: Duration): MathExpression {
  const usingMetrics = Object.fromEntries(
    replicaIds.map((id, index) => [
      `lag${index}`,
      new Metric({
        namespace: "AWS/RDS",
        metricName: "ReplicaLag",
        dimensionsMap: { DBInstanceIdentifier: id },
        statistic: "Maximum",
        period,
      }),
    ]),
  );
  return new MathExpression({
    expression: `MAX([${Object.keys(usingMetrics).join(", ")}])`,
    usingMetrics,
    label: "ReplicaLag (RDS, s)",
    period,
  });
}

/** One AWS/ElastiCache metric of one cache node (engine metrics are published per node). */
export function elasticacheMetric(
  metricName: string,
  cacheClusterId: string,
  cacheNodeId: string,
  statistic: string,
  period: Duration,
): Metric {
  return new Metric({
    namespace: "AWS/ElastiCache",
    metricName,
    dimensionsMap: { CacheClusterId: cacheClusterId, CacheNodeId: cacheNodeId },
    statistic,
    period,
  });
}

/**
 * The ALB's 5xx rate, in percent of the requests it answered, every input FILLed with 0 (the ALB
 * publishes a count only when it is non-zero, RequestCount only when a target was chosen).
 *
 * RequestCount counts only requests for which the ALB chose a target: when the target group has
 * no registered target the ALB answers 503 to everything and RequestCount is absent. So the
 * denominator adds the ELB 5xx that never reached a target (all ELB 5xx but 502 and 504, the two
 * that follow a chosen target and are already in RequestCount): the worst outage reads 100 %,
 * not 0 %, and a 502 is not counted twice. Without any traffic the rate is 0 %.
 *
 * AWS publishes the ELB's own codes per load balancer only (no TargetGroup dimension). With a
 * target group, requests and target 5xx are the group's, the untargeted ELB 5xx the load
 * balancer's (another group's empty target group counts too), and 502/504 are left out: they
 * cannot be attributed to the group.
 */
export function albErrorRate(
  loadBalancer: string,
  targetGroup: string | undefined,
  period: Duration,
): MathExpression {
  const alb = (metricName: string, scope: "target group" | "load balancer"): Metric =>
    new Metric({
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensionsMap: {
        LoadBalancer: loadBalancer,
        ...(scope === "target group" && targetGroup !== undefined ? { TargetGroup: targetGroup } : {}),
      },
      statistic: "Sum",
      period,
    });
  return new MathExpression({
    expression: albErrorRateExpression(targetGroup !== undefined),
    usingMetrics: {
      requests: alb("RequestCount", "target group"),
      target5xx: alb("HTTPCode_Target_5XX_Count", "target group"),
      elb5xx: alb("HTTPCode_ELB_5XX_Count", "load balancer"),
      elb502: alb("HTTPCode_ELB_502_Count", "load balancer"),
      elb504: alb("HTTPCode_ELB_504_Count", "load balancer"),
    },
    label: "ErrorRate (ALB, %)",
    period,
  });
}

/** The metric math of `albErrorRate`, over the ids requests, target5xx, elb5xx, elb502, elb504. */
export function albErrorRateExpression(withTargetGroup: boolean): string {
  const untargeted = "FILL(elb5xx, 0) - FILL(elb502, 0) - FILL(elb504, 0)";
  const errors = withTargetGroup
    ? `FILL(target5xx, 0) + ${untargeted}`
    : "FILL(target5xx, 0) + FILL(elb5xx, 0)";
  const answered = `FILL(requests, 0) + ${untargeted}`;
  return `IF(${answered} > 0, 100 * (${errors}) / (${answered}), 0)`;
}

/** 100 * DatabaseConnections / max_connections (RDS does not publish max_connections). */
export function rdsConnectionsPercent(
  instanceId: string,
  maxConnections: number,
  period: Duration,
): MathExpression {
  return new MathExpression({
    expression: `100 * connections / ${maxConnections}`,
    usingMetrics: {
      connections: new Metric({
        namespace: "AWS/RDS",
        metricName: "DatabaseConnections",
        dimensionsMap: { DBInstanceIdentifier: instanceId },
        statistic: "Maximum",
        period,
      }),
    },
    label: "ConnectionsPercent (RDS, %)",
    period,
  });
}
