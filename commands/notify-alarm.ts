/**
 * notify-test's alarm mode: the stack's TEST alarm of a severity is set to ALARM with
 * SetAlarmState, so CloudWatch itself notifies the way it notifies a real page (CloudWatch ->
 * the encrypted topic, through the key's policy -> the subscribers); then CloudWatch's next
 * evaluation puts it back to OK, which sends the OK that resolves the incident.
 */
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { describeSdkError } from "../functions/shared/errors.ts";
import { cloudWatchSubject } from "./notify-publish.ts";

/** What the command sends to CloudWatch: the real client or any client with its `send`. */
export type AlarmClient = Pick<CloudWatchClient, "send">;

export interface DriveAlarmOptions {
  readonly alarmName: string;
  /** How long to wait for CloudWatch to put the alarm back to OK before doing it by hand. */
  readonly okTimeoutSeconds: number;
  /** @default 10 */
  readonly pollSeconds?: number;
}

export interface DriveAlarmDependencies {
  readonly client: AlarmClient;
  readonly sleep: (ms: number) => Promise<void>;
  /** ms since the epoch */
  readonly now: () => number;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const REASON =
  "TEST: npm run notify-test set this TEST alarm to ALARM to check the paging path; nothing is down. CloudWatch puts it back to OK at its next evaluation.";

/** Drives the alarm through ALARM and back to OK. Returns the exit code: 0, 1 (failed) or 2. */
export async function driveTestAlarm(
  options: DriveAlarmOptions,
  dependencies: DriveAlarmDependencies,
): Promise<number> {
  const { client, stdout, stderr } = dependencies;
  const name = options.alarmName;
  let alarm: MetricAlarm | undefined;
  try {
    alarm = await describe(client, name);
  } catch (error) {
    stderr(`${describeSdkError("DescribeAlarms", error)}\n`);
    return 1;
  }
  if (!alarm) {
    stderr(
      `no alarm named ${name} in this region: deploy the stack with this version (it adds the TEST alarms), or pass --stack / --alarm-name\n`,
    );
    return 2;
  }
  const actions = alarm.AlarmActions ?? [];
  if (alarm.ActionsEnabled === false || actions.length === 0) {
    stderr(`${name} has no enabled alarm action: it would notify nobody (check the stack)\n`);
    return 1;
  }
  if (alarm.StateValue === "ALARM") {
    stderr(
      `${name} is already in ALARM (a test still running?): setting it again would send nothing. Wait for its OK and run again.\n`,
    );
    return 1;
  }
  const region = regionOf(alarm.AlarmArn);
  try {
    await client.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: REASON }),
    );
  } catch (error) {
    stderr(`${describeSdkError("SetAlarmState", error)}\n`);
    return 1;
  }
  const started = dependencies.now();
  stdout(
    [
      `Set ${name} to ALARM. CloudWatch now notifies ${actions.join(", ")}:`,
      `  subject  ${cloudWatchSubject("ALARM", name, region)}`,
      "  expect   an incident on your pager (its description says TEST: nothing is down) and an email to",
      "           each email subscriber; nothing at all means CloudWatch could not publish: look at the",
      "           alarm's history in the console (KMS or topic policy errors are shown there).",
      `It goes back to OK at its next evaluation (about a minute), and CloudWatch sends the OK that`,
      `resolves the incident. Waiting for OK (at most ${options.okTimeoutSeconds} s)...`,
      "",
    ].join("\n"),
  );
  const pollMs = (options.pollSeconds ?? 10) * 1000;
  while (dependencies.now() - started < options.okTimeoutSeconds * 1000) {
    await dependencies.sleep(pollMs);
    try {
      const now = await describe(client, name);
      if (now?.StateValue === "OK") {
        const seconds = Math.round((dependencies.now() - started) / 1000);
        stdout(
          `${name} is back to OK after ${seconds} s: CloudWatch sends "${cloudWatchSubject("OK", name, region)}". Done: check that the incident resolved.\n`,
        );
        return 0;
      }
    } catch (error) {
      stderr(`${describeSdkError("DescribeAlarms", error)} (retrying)\n`);
    }
  }
  // CloudWatch did not evaluate it back: resolve the incident by hand rather than leave it open.
  stderr(
    `${name} did not return to OK within ${options.okTimeoutSeconds} s (is the probe's namespace the alarm's?): setting it to OK by hand, which sends the OK.\n`,
  );
  try {
    await client.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: "OK",
        StateReason: "TEST: notify-test ended the test.",
      }),
    );
  } catch (error) {
    stderr(`${describeSdkError("SetAlarmState", error)}\n`);
  }
  return 1;
}

async function describe(client: AlarmClient, name: string): Promise<MetricAlarm | undefined> {
  const result = await client.send(
    new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ["MetricAlarm"] }),
  );
  return result.MetricAlarms?.find((alarm) => alarm.AlarmName === name);
}

/** The region code of an alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME). */
function regionOf(arn: string | undefined): string {
  return arn?.split(":")[3] ?? "";
}
