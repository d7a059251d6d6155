import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseNotifyArgs,
  publishTestNotifications,
  resolveTopicArn,
  runNotifyTest,
  testNotification,
} from "../../commands/notify-test.ts";
import { PROJECT_ROOT } from "../../infra/probe-function.ts";
import { type SnsEndpoint, startSnsEndpoint } from "../../support/sns-endpoint.ts";

const run = promisify(execFile);
const CRITICAL = "arn:aws:sns:eu-west-3:123456789012:MeetMonitor-NotificationsCritical-AbC123";
const WARNING = "arn:aws:sns:eu-west-3:123456789012:MeetMonitor-NotificationsWarning-XyZ789";

let sns: SnsEndpoint;
let dir: string;

beforeAll(async () => {
  sns = await startSnsEndpoint([CRITICAL, WARNING]);
  dir = mkdtempSync(join(tmpdir(), "notify-test-"));
});
afterAll(async () => {
  await sns.close();
  rmSync(dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text) };
}

describe("notify-test arguments", () => {
  it("requires a severity of critical or warning", () => {
    expect(parseNotifyArgs([])).toEqual({
      error: expect.stringContaining("--severity must be critical or warning"),
    });
    expect(parseNotifyArgs(["--severity", "info"])).toEqual({ error: expect.stringContaining('not "info"') });
    expect(parseNotifyArgs(["--severity", "warning"])).toEqual({
      options: { severity: "warning", outputsFile: "cdk-outputs.json", okDelaySeconds: 30, prefix: "Meet" },
    });
  });

  it("rejects a malformed topic ARN, a bad delay, unknown flags, and both ARN sources at once", () => {
    const parsed = parseNotifyArgs([
      "--severity",
      "critical",
      "--topic-arn",
      "arn:aws:sqs:eu-west-3:1:q",
      "--ok-delay",
      "901",
    ]);
    expect(parsed).toEqual({ error: expect.stringContaining("is not an SNS topic ARN") });
    expect("error" in parsed && parsed.error).toContain("--ok-delay must be");
    expect(parseNotifyArgs(["--severity", "critical", "--bogus"])).toHaveProperty("error");
    expect(
      parseNotifyArgs(["--severity", "critical", "--topic-arn", CRITICAL, "--stack", "MeetMonitor"]),
    ).toEqual({ error: expect.stringContaining("not both") });
  });
});

describe("topic ARN from the cdk outputs file", () => {
  const options = {
    severity: "warning",
    outputsFile: "out.json",
    okDelaySeconds: 0,
    prefix: "Meet",
  } as const;
  const file = (content: unknown) => async () => JSON.stringify(content);

  it("reads the severity's output of the only stack, of the only one that has it, or of --stack", async () => {
    const outputs = { MeetMonitor: { CriticalTopicArn: CRITICAL, WarningTopicArn: WARNING } };
    expect(await resolveTopicArn(options, file(outputs))).toEqual({ ok: true, topicArn: WARNING });
    // `cdk deploy --all` with several vantages also writes the probe stacks' outputs.
    const probes = { ...outputs, "MeetMonitor-us-east-1": { ProbeFunctionName: "probe" } };
    expect(await resolveTopicArn(options, file(probes))).toEqual({ ok: true, topicArn: WARNING });
    const two = { ...outputs, Other: { CriticalTopicArn: CRITICAL, WarningTopicArn: WARNING } };
    expect(await resolveTopicArn(options, file(two))).toEqual({
      ok: false,
      error: expect.stringContaining("several stacks (MeetMonitor, Other): choose one with --stack"),
    });
    expect(await resolveTopicArn({ ...options, stack: "MeetMonitor" }, file(two))).toEqual({
      ok: true,
      topicArn: WARNING,
    });
    expect(
      await resolveTopicArn({ ...options, stack: "Other" }, file({ Other: { CriticalTopicArn: CRITICAL } })),
    ).toEqual({
      ok: false,
      error: 'stack "Other" in out.json has no WarningTopicArn output',
    });
  });

  it("explains how to get the file when it is missing", async () => {
    const missing = async () => {
      throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    };
    const result = await resolveTopicArn(options, missing);
    expect(result).toEqual({ ok: false, error: expect.stringContaining("npm run deploy") });
  });
});

describe("the notifications", () => {
  it("are shaped like CloudWatch's alarm notification and labelled as a test", () => {
    const at = new Date("2026-01-31T02:59:00.123Z");
    const alarm = testNotification({
      topicArn: CRITICAL,
      severity: "critical",
      prefix: "Meet",
      state: "ALARM",
      at,
      okDelaySeconds: 30,
    });
    expect(alarm).toMatchObject({
      AlarmName: "Meet-TEST-notify-critical",
      NewStateValue: "ALARM",
      OldStateValue: "OK",
      StateChangeTime: "2026-01-31T02:59:00.123+0000",
      Region: "eu-west-3",
      AWSAccountId: "123456789012",
      AlarmArn: "arn:aws:cloudwatch:eu-west-3:123456789012:alarm:Meet-TEST-notify-critical",
      AlarmActions: [CRITICAL],
      OKActions: [CRITICAL],
      Trigger: expect.objectContaining({ ComparisonOperator: expect.any(String), Period: 60 }),
    });
    expect(alarm.AlarmDescription).toMatch(/^TEST ALARM .*nothing is down/);
    expect(alarm.NewStateReason).toMatch(/^TEST: /);
  });
});

describe("publishing through the SNS wire protocol", () => {
  it("publishes ALARM then OK, with the same alarm name, JSON for https and text for email", async () => {
    const before = sns.publishes.length;
    const sleeps: number[] = [];
    const out = io();
    const ids = await publishTestNotifications(
      CRITICAL,
      { severity: "critical", prefix: "Meet", okDelaySeconds: 7 },
      { client: sns.client(), sleep: async (ms) => void sleeps.push(ms), stdout: out.stdout },
    );
    const received = sns.publishes.slice(before);
    expect(received).toHaveLength(2);
    expect(ids).toEqual(received.map((p) => p.messageId));
    expect(sleeps).toEqual([7000]);
    const [first, second] = received.map((p) => {
      expect(p.topicArn).toBe(CRITICAL);
      expect(p.messageStructure).toBe("json");
      expect(p.scope).toEqual(["eu-west-3", "sns"]);
      const envelope = JSON.parse(p.message) as { default: string; email: string };
      expect(envelope.email).toContain("THIS IS A TEST");
      return { subject: p.subject, body: JSON.parse(envelope.default) as Record<string, unknown> };
    });
    expect(first?.subject).toBe('TEST ALARM: "Meet-TEST-notify-critical" in eu-west-3');
    expect(second?.subject).toBe('TEST OK: "Meet-TEST-notify-critical" in eu-west-3');
    expect(first?.body).toMatchObject({ NewStateValue: "ALARM", OldStateValue: "OK" });
    expect(second?.body).toMatchObject({ NewStateValue: "OK", OldStateValue: "ALARM" });
    expect(first?.body.AlarmName).toBe(second?.body.AlarmName);
  });

  it("exits 1 with SNS's error when the topic does not exist, and sends no OK", async () => {
    const before = sns.rawRequests.length;
    const out = io();
    const code = await runNotifyTest(
      ["--severity", "critical", "--topic-arn", "arn:aws:sns:eu-west-3:123456789012:gone", "--ok-delay", "0"],
      { client: sns.client(), ...out },
    );
    expect(code).toBe(1);
    expect(out.err.join("")).toContain("NotFoundException: Topic does not exist");
    expect(sns.rawRequests.length - before).toBe(1);
  });

  it("exits 2 on a usage error without publishing", async () => {
    const before = sns.rawRequests.length;
    const out = io();
    expect(await runNotifyTest(["--severity", "page"], { client: sns.client(), ...out })).toBe(2);
    expect(out.err.join("")).toContain("usage: npm run notify-test");
    expect(sns.rawRequests.length).toBe(before);
  });

  it("runs as a command with Node 24, finding the topic in the outputs file, through AWS_ENDPOINT_URL_SNS", async () => {
    const outputs = join(dir, "cdk-outputs.json");
    writeFileSync(
      outputs,
      JSON.stringify({ MeetMonitor: { CriticalTopicArn: CRITICAL, WarningTopicArn: WARNING } }),
    );
    const before = sns.publishes.length;
    const { stdout } = await run(
      process.execPath,
      [
        join(PROJECT_ROOT, "commands", "notify-test.ts"),
        "--severity",
        "warning",
        "--outputs-file",
        outputs,
        "--ok-delay",
        "0",
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          AWS_ENDPOINT_URL_SNS: sns.url,
          AWS_ACCESS_KEY_ID: "AKIDLOCALTEST",
          AWS_SECRET_ACCESS_KEY: "local-test-secret",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_CONFIG_FILE: join(dir, "none"),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
        },
      },
    );
    const received = sns.publishes.slice(before);
    expect(received.map((p) => p.topicArn)).toEqual([WARNING, WARNING]);
    expect(received.map((p) => p.subject)).toEqual([
      'TEST ALARM: "Meet-TEST-notify-warning" in eu-west-3',
      'TEST OK: "Meet-TEST-notify-warning" in eu-west-3',
    ]);
    expect(stdout).toContain("Done.");
  });
});
