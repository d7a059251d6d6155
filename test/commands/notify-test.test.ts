import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseNotifyArgs,
  publishTestNotifications,
  resolveTestAlarm,
  resolveTopicArn,
  runNotifyTest,
  testNotification,
} from "../../commands/notify-test.ts";
import { PROJECT_ROOT } from "../../infra/probe-function.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../support/cloudwatch-endpoint.ts";
import { type SnsEndpoint, startSnsEndpoint } from "../../support/sns-endpoint.ts";

const run = promisify(execFile);
const CRITICAL = "arn:aws:sns:eu-west-3:123456789012:MeetMonitor-NotificationsCritical-AbC123";
const WARNING = "arn:aws:sns:eu-west-3:123456789012:MeetMonitor-NotificationsWarning-XyZ789";

const TEST_ALARM = "Meet-monitor-TEST-notify-critical";

let sns: SnsEndpoint;
let cloudwatch: CloudWatchEndpoint;
let dir: string;

beforeAll(async () => {
  sns = await startSnsEndpoint([CRITICAL, WARNING]);
  cloudwatch = await startCloudWatchEndpoint();
  dir = mkdtempSync(join(tmpdir(), "notify-test-"));
});
afterAll(async () => {
  await Promise.all([sns.close(), cloudwatch.close()]);
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
      options: {
        severity: "warning",
        mode: "alarm",
        outputsFile: "cdk-outputs.json",
        okTimeoutSeconds: 300,
        okDelaySeconds: 30,
        prefix: "Meet",
      },
    });
  });

  it("rejects a malformed topic ARN, a bad delay, unknown flags, and both ARN sources at once", () => {
    const parsed = parseNotifyArgs([
      "--severity",
      "critical",
      "--mode",
      "publish",
      "--topic-arn",
      "arn:aws:sqs:eu-west-3:1:q",
      "--ok-delay",
      "901",
    ]);
    expect(parsed).toEqual({ error: expect.stringContaining("is not an SNS topic ARN") });
    expect("error" in parsed && parsed.error).toContain("--ok-delay must be");
    expect(parseNotifyArgs(["--severity", "critical", "--bogus"])).toHaveProperty("error");
    expect(
      parseNotifyArgs([
        "--severity",
        "critical",
        "--mode",
        "publish",
        "--topic-arn",
        CRITICAL,
        "--stack",
        "Meet",
      ]),
    ).toEqual({ error: expect.stringContaining("not both") });
  });

  it("keeps each mode's flags to that mode", () => {
    expect(parseNotifyArgs(["--severity", "critical", "--topic-arn", CRITICAL])).toEqual({
      error: expect.stringContaining("--topic-arn does not apply to --mode alarm"),
    });
    expect(parseNotifyArgs(["--severity", "critical", "--mode", "publish", "--ok-timeout", "60"])).toEqual({
      error: expect.stringContaining("--ok-timeout does not apply to --mode publish"),
    });
    expect(parseNotifyArgs(["--severity", "critical", "--mode", "page"])).toEqual({
      error: expect.stringContaining('--mode must be alarm or publish, not "page"'),
    });
    expect(parseNotifyArgs(["--severity", "critical", "--ok-timeout", "30"])).toEqual({
      error: expect.stringContaining("--ok-timeout must be a number of seconds between 60 and 900"),
    });
    expect(
      parseNotifyArgs(["--severity", "warning", "--alarm-name", "X", "--ok-timeout", "120"]),
    ).toMatchObject({
      options: { mode: "alarm", alarmName: "X", okTimeoutSeconds: 120 },
    });
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

describe("the TEST alarm from the cdk outputs file", () => {
  const options = { severity: "critical", outputsFile: "out.json" } as const;
  const file = (content: unknown) => async () => JSON.stringify(content);

  it("reads the severity's TEST alarm and takes its region from the stack's topic", async () => {
    const outputs = { MeetMonitor: { CriticalTopicArn: CRITICAL, CriticalTestAlarmName: TEST_ALARM } };
    expect(await resolveTestAlarm(options, file(outputs))).toEqual({
      ok: true,
      alarmName: TEST_ALARM,
      region: "eu-west-3",
    });
  });

  it("says to deploy this version when the stack has no TEST alarm yet", async () => {
    const outputs = { MeetMonitor: { CriticalTopicArn: CRITICAL } };
    expect(await resolveTestAlarm(options, file(outputs))).toEqual({
      ok: false,
      error: expect.stringMatching(
        /has no CriticalTestAlarmName output: deploy this version .* or use --mode publish/,
      ),
    });
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
      AlarmName: TEST_ALARM,
      NewStateValue: "ALARM",
      OldStateValue: "OK",
      StateChangeTime: "2026-01-31T02:59:00.123+0000",
      // CloudWatch writes the region's name here, the code only in the ARN.
      Region: "EU (Paris)",
      AWSAccountId: "123456789012",
      AlarmArn: `arn:aws:cloudwatch:eu-west-3:123456789012:alarm:${TEST_ALARM}`,
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
    // CloudWatch's own subject, which pager integrations key on; TEST is in the alarm's name.
    expect(first?.subject).toBe(`ALARM: "${TEST_ALARM}" in EU (Paris)`);
    expect(second?.subject).toBe(`OK: "${TEST_ALARM}" in EU (Paris)`);
    expect(first?.body).toMatchObject({ NewStateValue: "ALARM", OldStateValue: "OK" });
    expect(second?.body).toMatchObject({ NewStateValue: "OK", OldStateValue: "ALARM" });
    expect(first?.body.AlarmName).toBe(second?.body.AlarmName);
  });

  it("exits 1 with SNS's error when the topic does not exist, and sends no OK", async () => {
    const before = sns.rawRequests.length;
    const out = io();
    const code = await runNotifyTest(
      [
        "--severity",
        "critical",
        "--mode",
        "publish",
        "--topic-arn",
        "arn:aws:sns:eu-west-3:123456789012:gone",
        "--ok-delay",
        "0",
      ],
      { client: sns.client(), ...out },
    );
    expect(code).toBe(1);
    expect(out.err.join("")).toContain("NotFoundException: Topic does not exist");
    expect(out.err.join("")).toMatch(/^[\x20-\x7e\n]*$/);
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
        "--mode",
        "publish",
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
      'ALARM: "Meet-monitor-TEST-notify-warning" in EU (Paris)',
      'OK: "Meet-monitor-TEST-notify-warning" in EU (Paris)',
    ]);
    expect(stdout).toContain("Done.");
  });
});

describe("alarm mode through CloudWatch's wire protocol", () => {
  /** A clock that moves only when the command sleeps; each sleep may run CloudWatch's evaluation. */
  function clock(onSleep: () => void = () => undefined) {
    let now = Date.parse("2026-01-31T02:59:00Z");
    const sleeps: number[] = [];
    return {
      sleeps,
      now: () => new Date(now),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
        onSleep();
      },
    };
  }
  const requestsSince = (before: number) => cloudwatch.requests.slice(before);

  it("sets the TEST alarm to ALARM, says what to expect, and waits for CloudWatch to put it back to OK", async () => {
    cloudwatch.addAlarm(TEST_ALARM, { actions: [CRITICAL] });
    const before = cloudwatch.requests.length;
    const out = io();
    let polls = 0;
    // CloudWatch evaluates the alarm back to OK between the command's second and third poll.
    const time = clock(() => {
      if (++polls === 2) cloudwatch.evaluateAlarms();
    });
    const code = await runNotifyTest(["--severity", "critical", "--alarm-name", TEST_ALARM], {
      cloudwatch: cloudwatch.client(),
      ...time,
      ...out,
    });
    expect(out.err.join("")).toBe("");
    expect(code).toBe(0);
    const requests = requestsSince(before);
    expect(requests.map((r) => r.operation)).toEqual([
      "DescribeAlarms",
      "SetAlarmState",
      "DescribeAlarms",
      "DescribeAlarms",
    ]);
    expect(requests[1]?.body).toMatchObject({ AlarmName: TEST_ALARM, StateValue: "ALARM" });
    expect(requests[1]?.body.StateReason).toMatch(/^TEST: .*nothing is down/);
    expect(requests.every((r) => r.signed)).toBe(true);
    const text = out.out.join("");
    expect(text).toContain(`Set ${TEST_ALARM} to ALARM. CloudWatch now notifies ${CRITICAL}`);
    expect(text).toContain(`subject  ALARM: "${TEST_ALARM}" in EU (Paris)`);
    expect(text).toContain(`is back to OK after 20 s: CloudWatch sends "OK: "${TEST_ALARM}" in EU (Paris)"`);
    expect(time.sleeps).toEqual([10_000, 10_000]);
    expect(cloudwatch.alarms.get(TEST_ALARM)?.StateValue).toBe("OK");
  });

  it("puts the alarm back to OK by hand, and exits 1, when CloudWatch does not within --ok-timeout", async () => {
    cloudwatch.addAlarm(TEST_ALARM, { actions: [CRITICAL] });
    const before = cloudwatch.requests.length;
    const out = io();
    const time = clock();
    const code = await runNotifyTest(
      ["--severity", "critical", "--alarm-name", TEST_ALARM, "--ok-timeout", "60"],
      { cloudwatch: cloudwatch.client(), ...time, ...out },
    );
    expect(code).toBe(1);
    expect(out.err.join("")).toMatch(/did not return to OK within 60 s .*setting it to OK by hand/);
    const sets = requestsSince(before).filter((r) => r.operation === "SetAlarmState");
    expect(sets.map((r) => r.body.StateValue)).toEqual(["ALARM", "OK"]);
    expect(time.sleeps).toHaveLength(6);
  });

  it("refuses, without touching the alarm, one already in ALARM, one without actions, and one that does not exist", async () => {
    cloudwatch.addAlarm("Busy-TEST", { actions: [CRITICAL] }).StateValue = "ALARM";
    cloudwatch.addAlarm("Mute-TEST", { actions: [CRITICAL], actionsEnabled: false });
    const before = cloudwatch.requests.length;
    const run = async (name: string) => {
      const out = io();
      const code = await runNotifyTest(["--severity", "critical", "--alarm-name", name], {
        cloudwatch: cloudwatch.client(),
        ...clock(),
        ...out,
      });
      return { code, err: out.err.join("") };
    };
    expect(await run("Busy-TEST")).toEqual({ code: 1, err: expect.stringContaining("is already in ALARM") });
    expect(await run("Mute-TEST")).toEqual({
      code: 1,
      err: expect.stringContaining("has no enabled alarm action"),
    });
    expect(await run("Nope-TEST")).toEqual({
      code: 2,
      err: expect.stringContaining(
        "no alarm named Nope-TEST in this region: deploy the stack with this version",
      ),
    });
    expect(requestsSince(before).map((r) => r.operation)).toEqual([
      "DescribeAlarms",
      "DescribeAlarms",
      "DescribeAlarms",
    ]);
  });

  it("shows CloudWatch's errors printable and short", async () => {
    cloudwatch.failWith("AccessDenied", "User \u001b[2J is not authorized\nforged line");
    cloudwatch.failNext(403);
    const out = io();
    const code = await runNotifyTest(["--severity", "critical", "--alarm-name", TEST_ALARM], {
      cloudwatch: cloudwatch.client(),
      ...clock(),
      ...out,
    });
    cloudwatch.failWith("InternalServiceFault", "injected failure");
    expect(code).toBe(1);
    expect(out.err.join("")).toBe(
      "DescribeAlarms failed: AccessDenied: User \\x1b[2J is not authorized (HTTP 403)\n",
    );
  });

  it("runs as a command with Node 24, finding the alarm and its region in the outputs file, through AWS_ENDPOINT_URL_CLOUDWATCH", async () => {
    cloudwatch.addAlarm("Meet-monitor-TEST-notify-warning", { actions: [WARNING] }).StateValue = "ALARM";
    const outputs = join(dir, "cdk-outputs-alarm.json");
    writeFileSync(
      outputs,
      JSON.stringify({
        MeetMonitor: { WarningTopicArn: WARNING, WarningTestAlarmName: "Meet-monitor-TEST-notify-warning" },
      }),
    );
    const before = cloudwatch.requests.length;
    const result = await run(
      process.execPath,
      [join(PROJECT_ROOT, "commands", "notify-test.ts"), "--severity", "warning", "--outputs-file", outputs],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
          AWS_ACCESS_KEY_ID: "AKIDLOCALTEST",
          AWS_SECRET_ACCESS_KEY: "local-test-secret",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_CONFIG_FILE: join(dir, "none"),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
        },
      },
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    // Already in ALARM: refused after one DescribeAlarms, signed for the topic's region.
    expect(result).toEqual({ code: 1, stderr: expect.stringContaining("is already in ALARM") });
    expect(requestsSince(before).map((r) => [r.operation, r.region, r.body.AlarmNames])).toEqual([
      ["DescribeAlarms", "eu-west-3", ["Meet-monitor-TEST-notify-warning"]],
    ]);
  });
});
