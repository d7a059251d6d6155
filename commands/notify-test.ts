/**
 * `npm run notify-test -- --severity critical|warning [--topic-arn ARN]`
 *
 * Publishes a clearly labelled TEST ALARM notification, then (after --ok-delay seconds) the
 * matching OK, to a deployed alarm topic. Both are shaped like CloudWatch's alarm notifications,
 * so PagerDuty or Opsgenie open an incident and then resolve it, and the email subscribers see both.
 *
 * The topic ARN comes from --topic-arn, or from the outputs file `cdk deploy --outputs-file`
 * writes (`npm run deploy` writes cdk-outputs.json), for the stack named by --stack.
 */
import { parseArgs } from "node:util";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Severity } from "../functions/shared/alarms.ts";
import { OUTPUTS } from "../functions/shared/stack-outputs.ts";
import { DEFAULT_OUTPUTS_FILE, readStackOutputs } from "./stack-outputs.ts";

export const USAGE = `usage: npm run notify-test -- --severity critical|warning [options]

Publishes a TEST ALARM notification and then its OK to the alarm topic of that severity,
shaped like CloudWatch's, so the pager opens an incident and resolves it.

  --severity critical|warning   which topic (required)
  --topic-arn ARN               the topic; otherwise read from the outputs file
  --outputs-file FILE           written by \`cdk deploy --outputs-file\` (default: cdk-outputs.json)
  --stack NAME                  the stack in the outputs file (default: the only one)
  --ok-delay SECONDS            wait between ALARM and OK, 0 to 900 (default: 30)
  --prefix PREFIX               alarm name prefix (default: Meet)
`;

const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

export interface NotifyTestOptions {
  readonly severity: Severity;
  readonly topicArn?: string;
  readonly outputsFile: string;
  readonly stack?: string;
  readonly okDelaySeconds: number;
  readonly prefix: string;
}

export type ParsedArgs =
  | { readonly options: NotifyTestOptions }
  | { readonly help: true }
  | { readonly error: string };

export function parseNotifyArgs(args: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        severity: { type: "string" },
        "topic-arn": { type: "string" },
        "outputs-file": { type: "string" },
        stack: { type: "string" },
        "ok-delay": { type: "string" },
        prefix: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { help: true };
  const errors: string[] = [];
  const severity = values.severity;
  if (severity !== "critical" && severity !== "warning") {
    errors.push(
      `--severity must be critical or warning${severity === undefined ? "" : `, not "${String(severity)}"`}`,
    );
  }
  const topicArn = typeof values["topic-arn"] === "string" ? values["topic-arn"] : undefined;
  if (topicArn !== undefined && !TOPIC_ARN.test(topicArn)) {
    errors.push(`--topic-arn "${topicArn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
  }
  if (topicArn !== undefined && (values["outputs-file"] !== undefined || values.stack !== undefined)) {
    errors.push("give either --topic-arn or --outputs-file/--stack, not both");
  }
  const delay = values["ok-delay"] === undefined ? 30 : Number(values["ok-delay"]);
  if (!Number.isFinite(delay) || delay < 0 || delay > 900) {
    errors.push(
      `--ok-delay must be a number of seconds between 0 and 900, not "${String(values["ok-delay"])}"`,
    );
  }
  const prefix = typeof values.prefix === "string" ? values.prefix : "Meet";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix))
    errors.push("--prefix may only contain letters, digits, '.', '_' and '-'");
  if (errors.length > 0 || (severity !== "critical" && severity !== "warning"))
    return { error: errors.join("\n") };
  return {
    options: {
      severity,
      ...(topicArn === undefined ? {} : { topicArn }),
      outputsFile: typeof values["outputs-file"] === "string" ? values["outputs-file"] : DEFAULT_OUTPUTS_FILE,
      ...(typeof values.stack === "string" ? { stack: values.stack } : {}),
      okDelaySeconds: delay,
      prefix,
    },
  };
}

/** The topic ARN from the flag, or from the outputs file of `cdk deploy --outputs-file`. */
export async function resolveTopicArn(
  options: NotifyTestOptions,
  read?: (path: string) => Promise<string>,
): Promise<{ ok: true; topicArn: string } | { ok: false; error: string }> {
  if (options.topicArn !== undefined) return { ok: true, topicArn: options.topicArn };
  const key = options.severity === "critical" ? OUTPUTS.criticalTopicArn : OUTPUTS.warningTopicArn;
  const found = await readStackOutputs(options.outputsFile, options.stack, read, key);
  if (!found.ok) {
    const hint = found.error.startsWith("cannot read") ? ", or pass --topic-arn" : "";
    return { ok: false, error: `${found.error}${hint}` };
  }
  const topicArn = found.outputs[key];
  if (typeof topicArn !== "string" || !TOPIC_ARN.test(topicArn)) {
    return { ok: false, error: `stack "${found.stack}" in ${options.outputsFile} has no ${key} output` };
  }
  return { ok: true, topicArn };
}

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

export function testAlarmName(prefix: string, severity: Severity): string {
  return `${prefix}-TEST-notify-${severity}`;
}

/** A CloudWatch alarm state-change notification, labelled as a test in every human-readable field. */
export function testNotification(input: TestNotificationInput): Record<string, unknown> {
  const match = TOPIC_ARN.exec(input.topicArn);
  if (!match) throw new Error(`not an SNS topic ARN: ${input.topicArn}`);
  const [, partition, region, account] = match;
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
    Region: region,
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

export interface NotifyDependencies {
  /** @default an SNSClient in the topic's region (standard AWS environment and credentials) */
  readonly client?: Publisher;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  readonly readFile?: (path: string) => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Publishes the ALARM then the OK notification; returns their SNS message ids. */
export async function publishTestNotifications(
  topicArn: string,
  options: Pick<NotifyTestOptions, "severity" | "prefix" | "okDelaySeconds">,
  dependencies: Pick<NotifyDependencies, "client" | "sleep" | "now" | "stdout">,
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
    const name = String(notification.AlarmName);
    const result = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        // CloudWatch's own subject format, marked as a test; SNS limits subjects to 100 characters.
        Subject: `TEST ${state}: "${name}" in ${String(notification.Region)}`.slice(0, 100),
        // JSON for https subscribers (PagerDuty, Opsgenie), readable text for email subscribers.
        MessageStructure: "json",
        Message: JSON.stringify({
          default: JSON.stringify(notification),
          email: emailText(notification),
        }),
      }),
    );
    ids.push(result.MessageId ?? "");
    dependencies.stdout(`Published TEST ${state} to ${topicArn} (message ${result.MessageId ?? "?"})\n`);
  }
  return ids;
}

function emailText(notification: Record<string, unknown>): string {
  return [
    `THIS IS A TEST sent by npm run notify-test: nothing is down.`,
    "",
    `Alarm: ${String(notification.AlarmName)}`,
    `State: ${String(notification.OldStateValue)} -> ${String(notification.NewStateValue)}`,
    `Reason: ${String(notification.NewStateReason)}`,
    `Time: ${String(notification.StateChangeTime)}`,
    "",
    String(notification.AlarmDescription),
  ].join("\n");
}

export async function runNotifyTest(
  args: readonly string[],
  dependencies: NotifyDependencies,
): Promise<number> {
  const parsed = parseNotifyArgs(args);
  if ("help" in parsed) {
    dependencies.stdout(USAGE);
    return 0;
  }
  if ("error" in parsed) {
    dependencies.stderr(`${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const { options } = parsed;
  const topic = await resolveTopicArn(options, dependencies.readFile);
  if (!topic.ok) {
    dependencies.stderr(`${topic.error}\n`);
    return 2;
  }
  try {
    await publishTestNotifications(topic.topicArn, options, dependencies);
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    dependencies.stderr(`Publishing to ${topic.topicArn} failed: ${detail}\n`);
    return 1;
  }
  dependencies.stdout(
    "Done. Your pager should show an incident opened then resolved, and email subscribers two TEST messages.\n",
  );
  return 0;
}

if (import.meta.main) {
  process.exitCode = await runNotifyTest(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
