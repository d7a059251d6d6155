/**
 * The CloudWatch alarms of the plan (functions/shared/plan/alarms.ts), each sending its ALARM and its OK
 * notification to its severity's topic: the OK message is what resolves the pager's incident.
 */
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { Comparison, MissingData, Severity } from "../functions/shared/alarms.ts";
import type { PlannedAlarm } from "../functions/shared/plan/index.ts";
import { type MetricContext, type MonitorResources, sourceMetric } from "./cloudwatch-metrics.ts";

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
  readonly resources: MonitorResources;
  readonly topics: Readonly<Record<Severity, ITopic>>;
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
          props.resources,
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
