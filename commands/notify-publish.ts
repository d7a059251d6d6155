/**
 * notify-test's publish mode: a CloudWatch-shaped ALARM notification, then its OK, published to
 * the topic with the operator's own credentials. It checks SNS and the subscribers (the pager
 * integration, the emails), not CloudWatch's own path through the key: the alarm mode does that.
 *
 * Everything is shaped as CloudWatch shapes it (its subject `ALARM: "<name>" in <region name>`,
 * its JSON), so the pager treats it as it would a real alarm; the word TEST is in the alarm's
 * name, description and reason, never in the subject's prefix that integrations key on.
 */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Severity } from "../functions/shared/alarms.ts";
import { testAlarmName } from "../functions/shared/notify-test.ts";
import { regionDisplayName } from "./region-names.ts";

export const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

export type AlarmState = "ALARM" | "OK";

export interface TestNotificationInput {
  readonly topicArn: string;
  readonly severity: Severity;
  readonly prefix: string;
  readonly state: AlarmState;
  readonly at: Date;
  readonly okDelaySeconds: number;
}

/** Formats a date the way CloudWatch's notifications do: 2026-01-31T02:59:00.123+0000. */
export function cloudWatchTime(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}

/** CloudWatch's notification subject: `ALARM: "<name>" in <region name>`, at most 100 characters. */
export function cloudWatchSubject(state: AlarmState, alarmName: string, region: string): string {
  return `${state}: "${alarmName}" in ${regionDisplayName(region)}`.slice(0, 100);
}

/** A CloudWatch alarm state-change notification, labelled as a test in every human-readable field. */
export function testNotification(input: TestNotificationInput): Record<string, unknown> {
  const match = TOPIC_ARN.exec(input.topicArn);
  if (!match) throw new Error(`not an SNS topic ARN: ${input.topicArn}`);
  const [, partition, region = "", account] = match;
  const alarmName = testAlarmName(input.prefix, input.severity);
  const alarm = input.state === "ALARM";
  return {
    AlarmName: alarmName,
    AlarmDescription: `TEST ALARM sent by \`npm run notify-test\` to check the ${input.severity} paging path: nothing is down. ${alarm ? `An OK notification follows in ${input.okDelaySeconds} s and resolves this incident.` : "This OK resolves the test incident."}`,
    AWSAccountId: account,
    AlarmConfigurationUpdatedTimestamp: cloudWatchTime(input.at),
    NewStateValue: input.state,
    NewStateReason: alarm
      ? "TEST: notify-test set this alarm to ALARM by hand (no metric crossed a threshold)."
      : "TEST: notify-test set this alarm back to OK (end of the test).",
    StateChangeTime: cloudWatchTime(input.at),
    // The region's name, as CloudWatch writes it; the ARN below carries the code.
    Region: regionDisplayName(region),
    AlarmArn: `arn:${partition}:cloudwatch:${region}:${account}:alarm:${alarmName}`,
    OldStateValue: alarm ? "OK" : "ALARM",
    OKActions: [input.topicArn],
    AlarmActions: [input.topicArn],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: "NotifyTest",
      Namespace: "MeetMonitor/Test",
      StatisticType: "Statistic",
      Statistic: "MAXIMUM",
      Unit: null,
      Dimensions: [{ value: input.severity, name: "Severity" }],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1.0,
      TreatMissingData: "notBreaching",
      EvaluateLowSampleCountPercentile: "",
    },
  };
}

export interface Publisher {
  send(command: PublishCommand): Promise<{ MessageId?: string }>;
}

export interface PublishDependencies {
  /** @default an SNSClient in the topic's region (standard AWS environment and credentials) */
  readonly client?: Publisher;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  readonly stdout: (text: string) => void;
}

/** Publishes the ALARM then the OK notification; returns their SNS message ids. */
export async function publishTestNotifications(
  topicArn: string,
  options: { readonly severity: Severity; readonly prefix: string; readonly okDelaySeconds: number },
  dependencies: PublishDependencies,
): Promise<string[]> {
  const region = TOPIC_ARN.exec(topicArn)?.[2];
  const client =
    dependencies.client ?? new SNSClient({ ...(region === undefined ? {} : { region }), maxAttempts: 3 });
  const now = dependencies.now ?? (() => new Date());
  const sleep =
    dependencies.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const ids: string[] = [];
  for (const state of ["ALARM", "OK"] as const) {
    if (state === "OK" && options.okDelaySeconds > 0) {
      dependencies.stdout(
        `Waiting ${options.okDelaySeconds} s before the OK (check that your pager opened an incident)...\n`,
      );
      await sleep(options.okDelaySeconds * 1000);
    }
    const notification = testNotification({ topicArn, state, at: now(), ...options });
    const subject = cloudWatchSubject(state, String(notification.AlarmName), region ?? "");
    const result = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject,
        // JSON for https subscribers (PagerDuty, Opsgenie), readable text for email subscribers.
        MessageStructure: "json",
        Message: JSON.stringify({
          default: JSON.stringify(notification),
          email: emailText(notification),
        }),
      }),
    );
    ids.push(result.MessageId ?? "");
    dependencies.stdout(`Published ${subject} to ${topicArn} (message ${result.MessageId ?? "?"})\n`);
  }
  return ids;
}

function emailText(notification: Record<string, unknown>): string {
  return [
    "THIS IS A TEST sent by npm run notify-test: nothing is down.",
    "",
    `Alarm: ${String(notification.AlarmName)}`,
    `State: ${String(notification.OldStateValue)} -> ${String(notification.NewStateValue)}`,
    `Reason: ${String(notification.NewStateReason)}`,
    `Time: ${String(notification.StateChangeTime)}`,
    `Region: ${String(notification.Region)}`,
    "",
    String(notification.AlarmDescription),
  ].join("\n");
}
