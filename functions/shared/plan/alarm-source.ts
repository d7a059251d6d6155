/** Where an alarm's datapoints come from: the monitor's own metrics, or AWS's for the AWS-metric variants. */
import type { CheckName, Component, MetricSpec } from "../metrics.ts";
import type { SourceInstance } from "./source-kind.ts";
import { type VantageSource, vantageRuleText } from "./vantage-alarms.ts";

export type AlarmSource =
  /**
   * A metric of the monitor's own contract (namespace from the config), published by the primary
   * vantage unless another one is named.
   */
  | {
      readonly kind: "contract";
      readonly spec: MetricSpec;
      readonly component?: Component;
      /** The Check dimension, when it is not the component's health check. */
      readonly check?: CheckName;
      /** The host or bucket, for per-instance figures. */
      readonly instance?: SourceInstance;
      readonly vantage?: string;
    }
  /** ErrorRate computed from the load balancer's own metrics (backend.requests.preset "alb"). */
  | { readonly kind: "alb"; readonly loadBalancer: string; readonly targetGroup?: string }
  /** p95 of the load balancer's TargetResponseTime, in milliseconds (preset "alb"). */
  | { readonly kind: "albResponseTime"; readonly loadBalancer: string; readonly targetGroup?: string }
  /** ConnectionsPercent computed from AWS/RDS DatabaseConnections (database.rdsInstanceId). */
  | { readonly kind: "rds"; readonly instanceId: string; readonly maxConnections: number }
  /** The highest AWS/RDS ReplicaLag of the read replicas (database.rdsReplicaInstanceIds). */
  | { readonly kind: "rdsReplicaLag"; readonly replicaIds: readonly string[] }
  /** An AWS/ElastiCache metric of one cache node (redis.cacheClusterId). */
  | {
      readonly kind: "elasticache";
      readonly metricName: string;
      readonly cacheClusterId: string;
      readonly cacheNodeId: string;
    }
  /** AWS/Lambda Errors of the probe function. */
  | { readonly kind: "lambdaErrors" }
  /** Metric math over the vantages (vantage-alarms.ts). */
  | VantageSource
  /** AWS/SQS visible messages of the dead-letter queue of the https subscriptions. */
  | { readonly kind: "deadLetterQueue" };

/** The metric an alarm watches, in words. */
export function sourceText(source: AlarmSource): string {
  const albText = (alb: { loadBalancer: string; targetGroup?: string }): string =>
    `ALB ${alb.loadBalancer}${alb.targetGroup ? ` (target group ${alb.targetGroup})` : ""}`;
  switch (source.kind) {
    case "contract": {
      const check = source.check === undefined ? "" : `/${source.check}`;
      const instance = source.instance ? ` ${source.instance.value}` : "";
      const name =
        source.component === undefined
          ? source.spec.name
          : `${source.spec.name} of ${source.component}${check}${instance}`;
      return source.vantage === undefined ? name : `${name} from ${source.vantage}`;
    }
    case "alb":
      return source.targetGroup
        ? `100 * (HTTPCode_Target_5XX_Count + untargeted ELB 5xx) / (RequestCount + untargeted ELB 5xx) of ${albText(source)} (untargeted: ELB 5xx but 502 and 504, for the whole load balancer)`
        : `100 * (HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) / (RequestCount + ELB 5xx but 502 and 504) of ${albText(source)}`;
    case "albResponseTime":
      return `1000 * TargetResponseTime p95 (ms) of ${albText(source)}`;
    case "rds":
      return `100 * DatabaseConnections / ${source.maxConnections} of RDS instance ${source.instanceId}`;
    case "rdsReplicaLag":
      return `the highest ReplicaLag of RDS replicas ${source.replicaIds.join(", ")}`;
    case "elasticache":
      return `AWS/ElastiCache ${source.metricName} of ${source.cacheClusterId} node ${source.cacheNodeId}`;
    case "lambdaErrors":
      return "AWS/Lambda Errors of the probe function";
    case "deadLetterQueue":
      return "AWS/SQS ApproximateNumberOfMessagesVisible of the dead-letter queue of the https subscriptions + AWS/SNS NumberOfNotificationsFailedToRedriveToDlq of each topic";
    default:
      return vantageRuleText(source, "").watched;
  }
}
