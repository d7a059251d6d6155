/**
 * The CloudWatch alarms of the plan (infra/alarm-plan.ts), each sending its ALARM and its OK
 * notification to its severity's topic: the OK message is what resolves the pager's incident.
 */
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { Comparison, MissingData, Severity } from "../functions/shared/alarms.ts";
import type { AlarmSource, PlannedAlarm } from "./alarm-plan.ts";
import { contractMetric, type MetricContext } from "./metrics.ts";

const COMPARISON: Record<Comparison, ComparisonOperator> = {
  "<": ComparisonOperator.LESS_THAN_THRESHOLD,
  "<=": ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
  ">": ComparisonOperator.GREATER_THAN_THRESHOLD,
  ">=": ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
};

const MISSING: Record<MissingData, TreatMissingData> = {
  ignore: TreatMissingData.IGNORE,
  notBreaching: TreatMissingData.NOT_BREACHING,
  breaching: TreatMissingData.BREACHING,
  missing: TreatMissingData.MISSING,
};

export interface MonitorAlarmsProps {
  readonly alarms: readonly PlannedAlarm[];
  readonly metrics: MetricContext;
  readonly probe: IFunction;
  readonly topics: Readonly<Record<Severity, ITopic>>;
}

/** The metric (or metric math) an alarm of the plan watches; also used by the dashboard. */
export function sourceMetric(
  source: AlarmSource,
  statistic: string,
  periodSeconds: number,
  metrics: MetricContext,
  probe: IFunction,
): IMetric {
  const period = Duration.seconds(periodSeconds);
  switch (source.kind) {
    case "contract":
      return contractMetric(source.spec, metrics, { statistic, periodSeconds }, source.component);
    case "lambdaErrors":
      return probe.metricErrors({ statistic, period });
    case "alb":
      return albErrorRate(source.loadBalancer, source.targetGroup, period);
    case "rds":
      return rdsConnectionsPercent(source.instanceId, source.maxConnections, period);
  }
}

/**
 * 100 * (target 5xx + load balancer 5xx) / requests. The ALB publishes its HTTPCode counts only
 * when they are non-zero and RequestCount only when there is traffic, so every input is FILLed
 * with 0, and a period without requests is 0 % rather than a division by zero. The load
 * balancer's own 5xx (502/503/504 when targets are dead) have no TargetGroup dimension: with a
 * target group they are counted for the whole load balancer.
 */
export function albErrorRate(
  loadBalancer: string,
  targetGroup: string | undefined,
  period: Duration,
): MathExpression {
  const alb = (metricName: string, withTargetGroup: boolean): Metric =>
    new Metric({
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensionsMap: {
        LoadBalancer: loadBalancer,
        ...(withTargetGroup && targetGroup !== undefined ? { TargetGroup: targetGroup } : {}),
      },
      statistic: "Sum",
      period,
    });
  return new MathExpression({
    expression:
      "IF(FILL(requests, 0) > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 0), 0)",
    usingMetrics: {
      requests: alb("RequestCount", true),
      target5xx: alb("HTTPCode_Target_5XX_Count", true),
      elb5xx: alb("HTTPCode_ELB_5XX_Count", false),
    },
    label: "ErrorRate (ALB, %)",
    period,
  });
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

export class MonitorAlarms extends Construct {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitorAlarmsProps) {
    super(scope, id);
    this.alarms = props.alarms.map((planned) => {
      const alarm = new Alarm(this, planned.key, {
        alarmName: planned.name,
        alarmDescription: planned.description,
        metric: sourceMetric(
          planned.source,
          planned.statistic,
          planned.periodSeconds,
          props.metrics,
          props.probe,
        ),
        comparisonOperator: COMPARISON[planned.comparison],
        threshold: planned.threshold,
        evaluationPeriods: planned.evaluationPeriods,
        datapointsToAlarm: planned.datapointsToAlarm,
        treatMissingData: MISSING[planned.missingData],
        actionsEnabled: true,
      });
      const action = new SnsAction(props.topics[planned.severity]);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    });
  }
}
