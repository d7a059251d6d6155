/**
 * One TEST alarm per severity for `npm run notify-test`: it never fires by itself, so the only
 * way it reaches ALARM is SetAlarmState, and the notification it then sends takes the real path
 * of a page (CloudWatch -> the severity's encrypted topic -> its subscribers). A dedicated alarm
 * rather than a real one: setting a real alarm's state could hide, or end, a real incident.
 */
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { Severity } from "../functions/shared/alarms.ts";
import { MonitorMetrics } from "../functions/shared/metrics.ts";
import { testAlarmDescription, testAlarmName } from "../functions/shared/notify-test.ts";
import { contractMetric, type MetricContext } from "./cloudwatch-metrics.ts";
import { SEVERITIES } from "./notifications.ts";

export interface NotifyTestAlarmsProps {
  readonly prefix: string;
  readonly metrics: MetricContext;
  readonly topics: Readonly<Record<Severity, ITopic>>;
}

export class NotifyTestAlarms extends Construct {
  readonly alarms: Readonly<Record<Severity, Alarm>>;

  constructor(scope: Construct, id: string, props: NotifyTestAlarmsProps) {
    super(scope, id);
    const make = (severity: Severity): Alarm => {
      const alarm = new Alarm(this, severity === "critical" ? "Critical" : "Warning", {
        alarmName: testAlarmName(props.prefix, severity),
        alarmDescription: testAlarmDescription(severity),
        // A metric of the monitor's own contract and a rule it can never meet: a count below zero.
        metric: contractMetric(MonitorMetrics.MonitorHeartbeat, props.metrics, {
          statistic: "Sum",
          periodSeconds: 60,
        }),
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // Missing data is good data: the alarm stays OK even when the probe is not running.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        actionsEnabled: true,
      });
      const action = new SnsAction(props.topics[severity]);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    };
    const [critical, warning] = SEVERITIES.map(make);
    if (!critical || !warning) throw new Error("two severities expected");
    this.alarms = { critical, warning };
  }
}
