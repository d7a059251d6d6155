/**
 * The metrics and metric math over AWS's own metrics (ALB, RDS, ElastiCache) that some alarms and
 * dashboard panels read for the white-box variants the probe does not read itself.
 */
import type { Duration } from "aws-cdk-lib";
import { MathExpression, Metric } from "aws-cdk-lib/aws-cloudwatch";

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
