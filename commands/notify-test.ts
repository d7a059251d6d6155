/**
 * `npm run notify-test -- --severity critical|warning [--mode alarm|publish]`
 *
 * Checks the paging path of a deployed stack with a notification that says TEST everywhere:
 * - alarm mode (default): sets the stack's TEST alarm of that severity to ALARM, so CloudWatch
 *   itself publishes through the encrypted topic like a real alarm, then waits for its OK;
 * - publish mode: publishes a CloudWatch-shaped ALARM then OK to the topic with the operator's
 *   own credentials (SNS and the subscribers only, not CloudWatch's path through the key).
 *
 * The alarm name and the topic ARN come from the outputs file `cdk deploy --outputs-file` writes
 * (`npm run deploy` writes cdk-outputs.json), for the stack named by --stack; or from the flags.
 */
import { parseArgs } from "node:util";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { Severity } from "../functions/shared/alarms.ts";
import { describeSdkError, errorMessage } from "../functions/shared/errors.ts";
import { OUTPUTS } from "../functions/shared/stack-outputs.ts";
import { type ParsedArgs as CommandArgs, processIo, runCommand } from "./command.ts";
import { type AlarmClient, driveTestAlarm } from "./notify-alarm.ts";
import { type Publisher, publishTestNotifications, TOPIC_ARN } from "./notify-publish.ts";
import { DEFAULT_OUTPUTS_FILE, readStackOutputs } from "./stack-outputs.ts";

export { cloudWatchSubject, publishTestNotifications, testNotification } from "./notify-publish.ts";

export const USAGE = `usage: npm run notify-test -- --severity critical|warning [options]

Sends a TEST notification through the alarm topic of that severity and then its OK, so you see
the pager open an incident and resolve it. Nothing is down: the alarm's name and description say TEST.

  --severity critical|warning   which topic (required)
  --mode alarm|publish          alarm (default): set the stack's TEST alarm to ALARM with
                                SetAlarmState, so CloudWatch itself notifies through SNS and the
                                KMS key as for a real page, then wait for it to return to OK.
                                publish: publish a CloudWatch-shaped ALARM, then its OK, to the
                                topic with your own credentials (SNS and the subscribers only).
  --outputs-file FILE           written by \`cdk deploy --outputs-file\` (default: cdk-outputs.json)
  --stack NAME                  the stack in the outputs file (default: the only one)
  --alarm-name NAME             alarm mode: the alarm, instead of the outputs file's
  --ok-timeout SECONDS          alarm mode: wait for OK at most this long, 60 to 900 (default: 300)
  --topic-arn ARN               publish mode: the topic, instead of the outputs file's
  --ok-delay SECONDS            publish mode: wait between ALARM and OK, 0 to 900 (default: 30)
  --prefix PREFIX               publish mode: the alarms' name prefix (default: Meet)
`;

export type Mode = "alarm" | "publish";

export interface NotifyTestOptions {
  readonly severity: Severity;
  readonly mode: Mode;
  readonly outputsFile: string;
  readonly stack?: string;
  readonly alarmName?: string;
  readonly okTimeoutSeconds: number;
  readonly topicArn?: string;
  readonly okDelaySeconds: number;
  readonly prefix: string;
}

export type ParsedArgs = CommandArgs<NotifyTestOptions>;

const ALARM_ONLY = ["alarm-name", "ok-timeout"] as const;
const PUBLISH_ONLY = ["topic-arn", "ok-delay", "prefix"] as const;

export function parseNotifyArgs(args: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        severity: { type: "string" },
        mode: { type: "string" },
        "outputs-file": { type: "string" },
        stack: { type: "string" },
        "alarm-name": { type: "string" },
        "ok-timeout": { type: "string" },
        "topic-arn": { type: "string" },
        "ok-delay": { type: "string" },
        prefix: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { error: errorMessage(error) };
  }
  if (values.help) return { help: true };
  const errors: string[] = [];
  const severity = values.severity;
  if (severity !== "critical" && severity !== "warning") {
    errors.push(
      `--severity must be critical or warning${severity === undefined ? "" : `, not "${String(severity)}"`}`,
    );
  }
  const mode = values.mode ?? "alarm";
  if (mode !== "alarm" && mode !== "publish")
    errors.push(`--mode must be alarm or publish, not "${String(mode)}"`);
  const misplaced = (mode === "alarm" ? PUBLISH_ONLY : ALARM_ONLY).filter(
    (flag) => values[flag] !== undefined,
  );
  for (const flag of misplaced) errors.push(`--${flag} does not apply to --mode ${String(mode)}`);
  const given = (name: string): string | undefined =>
    typeof values[name] === "string" ? (values[name] as string) : undefined;
  const topicArn = given("topic-arn");
  if (topicArn !== undefined && !TOPIC_ARN.test(topicArn)) {
    errors.push(`--topic-arn "${topicArn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
  }
  const fromFlags = topicArn ?? given("alarm-name");
  if (fromFlags !== undefined && (given("outputs-file") !== undefined || given("stack") !== undefined)) {
    errors.push(`give either --${topicArn ? "topic-arn" : "alarm-name"} or --outputs-file/--stack, not both`);
  }
  const alarmName = given("alarm-name");
  if (alarmName !== undefined && !/^[\x20-\x7e]{1,255}$/.test(alarmName)) {
    errors.push("--alarm-name must be 1 to 255 printable ASCII characters");
  }
  const delay = seconds(given("ok-delay"), 30, 0, 900, "--ok-delay", errors);
  const timeout = seconds(given("ok-timeout"), 300, 60, 900, "--ok-timeout", errors);
  const prefix = given("prefix") ?? "Meet";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    errors.push("--prefix may only contain letters, digits, '.', '_' and '-'");
  }
  if (
    errors.length > 0 ||
    (severity !== "critical" && severity !== "warning") ||
    (mode !== "alarm" && mode !== "publish")
  ) {
    return { error: errors.join("\n") };
  }
  const stack = given("stack");
  return {
    options: {
      severity,
      mode,
      outputsFile: given("outputs-file") ?? DEFAULT_OUTPUTS_FILE,
      ...(stack === undefined ? {} : { stack }),
      ...(alarmName === undefined ? {} : { alarmName }),
      okTimeoutSeconds: timeout,
      ...(topicArn === undefined ? {} : { topicArn }),
      okDelaySeconds: delay,
      prefix,
    },
  };
}

function seconds(
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  flag: string,
  errors: string[],
): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    errors.push(`${flag} must be a number of seconds between ${min} and ${max}, not "${String(text)}"`);
  }
  return value;
}

type Resolved<T> = ({ ok: true } & T) | { ok: false; error: string };

/** The topic ARN from the flag, or from the outputs file of `cdk deploy --outputs-file`. */
export async function resolveTopicArn(
  options: Pick<NotifyTestOptions, "severity" | "topicArn" | "outputsFile" | "stack">,
  read?: (path: string) => Promise<string>,
): Promise<Resolved<{ topicArn: string }>> {
  if (options.topicArn !== undefined) return { ok: true, topicArn: options.topicArn };
  const key = options.severity === "critical" ? OUTPUTS.criticalTopicArn : OUTPUTS.warningTopicArn;
  const found = await outputs(options, key, read);
  if (!found.ok) return found;
  const topicArn = found.outputs[key];
  if (typeof topicArn !== "string" || !TOPIC_ARN.test(topicArn)) {
    return { ok: false, error: `stack "${found.stack}" in ${options.outputsFile} has no ${key} output` };
  }
  return { ok: true, topicArn };
}

/**
 * The TEST alarm's name from the flag or the outputs file, and its region: the region of the
 * stack's topic of the same severity (from the outputs), else the standard AWS environment's.
 */
export async function resolveTestAlarm(
  options: Pick<NotifyTestOptions, "severity" | "alarmName" | "outputsFile" | "stack">,
  read?: (path: string) => Promise<string>,
): Promise<Resolved<{ alarmName: string; region?: string }>> {
  if (options.alarmName !== undefined) return { ok: true, alarmName: options.alarmName };
  const key = options.severity === "critical" ? OUTPUTS.criticalTestAlarmName : OUTPUTS.warningTestAlarmName;
  const found = await outputs(options, key, read);
  if (!found.ok) return found;
  const alarmName = found.outputs[key];
  if (typeof alarmName !== "string" || alarmName === "") {
    return {
      ok: false,
      error: `stack "${found.stack}" in ${options.outputsFile} has no ${key} output: deploy this version of the stack (it adds the TEST alarms), or use --mode publish`,
    };
  }
  const topic =
    found.outputs[options.severity === "critical" ? OUTPUTS.criticalTopicArn : OUTPUTS.warningTopicArn];
  const region = typeof topic === "string" ? TOPIC_ARN.exec(topic)?.[2] : undefined;
  return { ok: true, alarmName, ...(region === undefined ? {} : { region }) };
}

/** The outputs of --stack, or of the only stack (or the only one with the `wanted` output). */
async function outputs(
  options: Pick<NotifyTestOptions, "outputsFile" | "stack">,
  wanted: string,
  read?: (path: string) => Promise<string>,
): Promise<Resolved<{ stack: string; outputs: Readonly<Record<string, unknown>> }>> {
  const found = await readStackOutputs(options.outputsFile, options.stack, read, wanted);
  if (found.ok) return found;
  const hint = found.error.startsWith("cannot read") ? ", or pass the name or ARN as a flag" : "";
  return { ok: false, error: `${found.error}${hint}` };
}

export interface NotifyDependencies {
  /** @default an SNSClient in the topic's region (standard AWS environment and credentials) */
  readonly client?: Publisher;
  /** @default a CloudWatchClient in the stack's region (standard AWS environment and credentials) */
  readonly cloudwatch?: AlarmClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  readonly readFile?: (path: string) => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export async function runNotifyTest(
  args: readonly string[],
  dependencies: NotifyDependencies,
): Promise<number> {
  return runCommand(parseNotifyArgs(args), USAGE, dependencies, (options) => run(options, dependencies));
}

async function run(options: NotifyTestOptions, dependencies: NotifyDependencies): Promise<number> {
  const sleep =
    dependencies.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = dependencies.now ?? (() => new Date());
  if (options.mode === "alarm") {
    const target = await resolveTestAlarm(options, dependencies.readFile);
    if (!target.ok) {
      dependencies.stderr(`${target.error}\n`);
      return 2;
    }
    const client =
      dependencies.cloudwatch ??
      new CloudWatchClient({
        ...(target.region === undefined ? {} : { region: target.region }),
        maxAttempts: 3,
      });
    return driveTestAlarm(
      { alarmName: target.alarmName, okTimeoutSeconds: options.okTimeoutSeconds },
      { client, sleep, now: () => now().getTime(), stdout: dependencies.stdout, stderr: dependencies.stderr },
    );
  }
  const topic = await resolveTopicArn(options, dependencies.readFile);
  if (!topic.ok) {
    dependencies.stderr(`${topic.error}\n`);
    return 2;
  }
  try {
    await publishTestNotifications(topic.topicArn, options, {
      ...(dependencies.client ? { client: dependencies.client } : {}),
      sleep,
      now,
      stdout: dependencies.stdout,
    });
  } catch (error) {
    dependencies.stderr(`${describeSdkError(`Publishing to ${topic.topicArn}`, error)}\n`);
    return 1;
  }
  dependencies.stdout(
    "Done. Your pager should show an incident opened then resolved, and email subscribers two TEST messages.\n",
  );
  return 0;
}

if (import.meta.main) {
  process.exitCode = await runNotifyTest(process.argv.slice(2), processIo);
}
