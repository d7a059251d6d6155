/**
 * `npm run maintenance`: its arguments, the alarms it reads from the outputs file, and its calls
 * as the local endpoint speaking CloudWatch's wire protocol receives them.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  oneLine,
  parseMaintenanceArgs,
  readStackAlarms,
  runMaintenance,
} from "../../commands/maintenance.ts";
import { PROJECT_ROOT } from "../../infra/probe-function.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../support/cloudwatch-endpoint.ts";

const run = promisify(execFile);
/** 2026-03-01 09:30:20 UTC: muting starts at the next whole minute, 09:31. */
let clock = Date.UTC(2026, 2, 1, 9, 30, 20);
const BACKEND = ["Meet-backend-down", "Meet-backend-partial-outage", "Meet-backend-high-error-rate"];
const LIVEKIT = ["Meet-livekit-down", "Meet-livekit-high-packet-loss"];
const GARAGE = ["Meet-garage-down"];
const OUTPUTS = {
  MeetMonitor: {
    CriticalTopicArn: "arn:aws:sns:eu-west-3:123456789012:critical",
    AlarmRegion: "eu-west-3",
    AlarmsOfBackend: BACKEND.join(","),
    AlarmsOfLivekit: LIVEKIT.join(","),
    AlarmsOfGarage: GARAGE.join(","),
  },
  "MeetMonitor-us-east-1": { ProbeFunctionName: "MeetMonitor-us-east-1-ProbeFunction" },
};

let endpoint: CloudWatchEndpoint;
let dir: string;
let outputsFile: string;

beforeAll(async () => {
  endpoint = await startCloudWatchEndpoint({ now: () => clock });
  dir = mkdtempSync(join(tmpdir(), "maintenance-"));
  outputsFile = join(dir, "cdk-outputs.json");
  writeFileSync(outputsFile, JSON.stringify(OUTPUTS));
});
afterAll(async () => {
  await endpoint.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  endpoint.requests.length = 0;
  endpoint.muteRules.rules.clear();
  endpoint.failAlways(undefined);
  clock = Date.UTC(2026, 2, 1, 9, 30, 20);
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text: string) => out.push(text),
    stderr: (text: string) => err.push(text),
    client: endpoint.client(),
    now: () => new Date(clock),
  };
}

const maintenance = (args: string[], deps = io()) =>
  runMaintenance([...args, "--outputs-file", outputsFile], deps).then((code) => ({ code, ...deps }));

describe("maintenance arguments", () => {
  it("takes start with its minutes, components, reason and name; list; end with a name", () => {
    expect(parseMaintenanceArgs(["start", "--minutes", "60", "--components", "backend,livekit"])).toEqual({
      options: {
        command: { action: "start", minutes: 60, components: ["backend", "livekit"] },
        outputsFile: "cdk-outputs.json",
      },
    });
    expect(parseMaintenanceArgs(["list", "--stack", "Prod"])).toEqual({
      options: { command: { action: "list" }, outputsFile: "cdk-outputs.json", stack: "Prod" },
    });
    expect(parseMaintenanceArgs(["end", "MeetMonitor-db-upgrade"])).toMatchObject({
      options: { command: { action: "end", name: "MeetMonitor-db-upgrade" } },
    });
    expect(parseMaintenanceArgs(["--help"])).toEqual({ help: true });
  });

  it("says what is wrong: minutes, components, name, flags of start elsewhere, a missing action", () => {
    const parsed = parseMaintenanceArgs([
      "start",
      "--minutes",
      "21601",
      "--components",
      "backend,monitor",
      "--name",
      "a b",
    ]);
    expect("error" in parsed && parsed.error.split("\n")).toEqual([
      '--minutes must be a whole number from 1 to 21600, not "21601"',
      "--components: monitor is not one of backend, livekit, garage, database, recording, redis, host, egress",
      "--name may only contain letters, digits, '-' and '_' (64 at most)",
    ]);
    expect(parseMaintenanceArgs(["start"])).toEqual({ error: expect.stringContaining("--minutes must be") });
    expect(parseMaintenanceArgs(["list", "--minutes", "5"])).toEqual({
      error: "--minutes only go with start",
    });
    expect(parseMaintenanceArgs(["end"])).toEqual({ error: 'unexpected "end"' });
    expect(parseMaintenanceArgs([])).toEqual({ error: "say start, list or end" });
    expect(parseMaintenanceArgs(["start", "--minutes", "5", "--bogus"])).toHaveProperty("error");
  });

  it("keeps control characters out of the reason", () => {
    const parsed = parseMaintenanceArgs([
      "start",
      "--minutes",
      "5",
      "--reason",
      "db\u001b[31m up\ngrade\u0007",
    ]);
    expect(parsed).toMatchObject({ options: { command: { reason: "db [31m up grade" } } });
    expect(oneLine("a\u200bb\tc", 3)).toBe("a b");
  });
});

describe("the stack's alarms, from the outputs file", () => {
  it("finds the home stack among the probe stacks, its region and its alarms by component", async () => {
    const found = await readStackAlarms({ outputsFile });
    expect(found).toEqual({
      ok: true,
      alarms: {
        stack: "MeetMonitor",
        region: "eu-west-3",
        byComponent: { backend: BACKEND, livekit: LIVEKIT, garage: GARAGE },
      },
    });
  });

  it("explains a stack deployed before maintenance windows existed, without calling CloudWatch", async () => {
    const old = join(dir, "old.json");
    writeFileSync(old, JSON.stringify({ MeetMonitor: { CriticalTopicArn: "arn:aws:sns:eu-west-3:1:x" } }));
    const deps = io();
    expect(await runMaintenance(["list", "--outputs-file", old], deps)).toBe(2);
    expect(deps.err.join("")).toContain('stack "MeetMonitor" in');
    expect(deps.err.join("")).toContain(
      "has no AlarmRegion output: deploy this version of the monitor first",
    );
    expect(endpoint.requests).toEqual([]);
  });
});

describe("maintenance start, list and end at the CloudWatch endpoint", () => {
  it("start creates a one-time rule from the next minute, with an expiry, muting the components' alarms", async () => {
    const { code, out } = await maintenance([
      "start",
      "--minutes",
      "90",
      "--components",
      "backend,livekit",
      "--reason",
      "PostgreSQL 16 upgrade",
    ]);
    expect(code).toBe(0);
    const puts = endpoint.requests.filter((request) => request.operation === "PutAlarmMuteRule");
    expect(puts).toHaveLength(1);
    expect(puts[0]?.signed).toBe(true);
    expect(puts[0]?.body).toEqual({
      Name: "MeetMonitor-maintenance-20260301T0931",
      Description:
        "One-time maintenance window of MeetMonitor (npm run maintenance) for backend, livekit: PostgreSQL 16 upgrade",
      Rule: { Schedule: { Expression: "at(2026-03-01T09:31)", Duration: "PT90M", Timezone: "UTC" } },
      MuteTargets: { AlarmNames: [...BACKEND, ...LIVEKIT] },
      ExpireDate: Date.UTC(2026, 2, 1, 11, 1) / 1000,
    });
    expect(out.join("")).toContain(
      "Muting 5 alarms of backend, livekit from 2026-03-01 09:31 UTC to 2026-03-01 11:01 UTC (MeetMonitor-maintenance-20260301T0931).",
    );
    expect(out.join("")).toContain("npm run maintenance -- end MeetMonitor-maintenance-20260301T0931");
  });

  it("mutes every component's alarms by default, and splits more than 100 alarms over several rules", async () => {
    const many = join(dir, "many.json");
    const names = Array.from({ length: 130 }, (_, index) => `Meet-backend-alarm-${index}`);
    writeFileSync(
      many,
      JSON.stringify({
        MeetMonitor: {
          AlarmRegion: "eu-west-3",
          AlarmsOfBackend: names.join(","),
          AlarmsOfGarage: "Meet-garage-down",
        },
      }),
    );
    const deps = io();
    expect(
      await runMaintenance(["start", "--minutes", "5", "--name", "big", "--outputs-file", many], deps),
    ).toBe(0);
    const rules = [...endpoint.muteRules.rules.values()];
    expect(rules.map((rule) => [rule.Name, rule.MuteTargets?.AlarmNames.length])).toEqual([
      ["MeetMonitor-big", 100],
      ["MeetMonitor-big-2", 31],
    ]);
    expect(rules.flatMap((rule) => rule.MuteTargets?.AlarmNames ?? [])).toEqual([
      ...names,
      "Meet-garage-down",
    ]);
  });

  it("refuses a component the stack has no alarm of", async () => {
    const { code, err } = await maintenance(["start", "--minutes", "5", "--components", "database"]);
    expect(code).toBe(2);
    expect(err.join("")).toContain("MeetMonitor has no alarm of database");
    expect(endpoint.requests).toEqual([]);
  });

  it("list shows the active and scheduled windows muting the stack's alarms, recurring ones too", async () => {
    await maintenance(["start", "--minutes", "60", "--components", "garage", "--reason", "disk swap"]);
    const rules = endpoint.muteRules.rules;
    rules.set("MeetMonitor-weekly", {
      Name: "MeetMonitor-weekly",
      // Someone else edited it: CloudWatch's text is shown escaped, never as terminal codes.
      Description: 'Maintenance window "weekly"\u001b[2J\nfake: ALL CLEAR',
      Rule: { Schedule: { Expression: "cron(0 2 * * SUN)", Duration: "PT2H", Timezone: "Europe/Paris" } },
      MuteTargets: { AlarmNames: BACKEND },
      LastUpdatedTimestamp: 0,
    });
    rules.set("OtherTeam-nightly", {
      Name: "OtherTeam-nightly",
      Rule: { Schedule: { Expression: "cron(0 1 * * *)", Duration: "PT1H" } },
      MuteTargets: { AlarmNames: ["Other-alarm"] },
      LastUpdatedTimestamp: 0,
    });
    // Many other rules in the account: the listing pages through them.
    for (let index = 0; index < 60; index++) {
      rules.set(`Noise-${index}`, {
        Name: `Noise-${index}`,
        Rule: { Schedule: { Expression: "cron(0 3 * * *)", Duration: "PT1H" } },
        LastUpdatedTimestamp: 0,
      });
    }
    clock = Date.UTC(2026, 2, 1, 9, 45);
    const { code, out } = await maintenance(["list"]);
    expect(code).toBe(0);
    const text = out.join("");
    expect(text).toContain(
      "MeetMonitor-maintenance-20260301T0931  ACTIVE one-time\n  at(2026-03-01T09:31) (UTC) for PT60M, expires 2026-03-01 10:31 UTC\n  mutes 1 alarm of garage",
    );
    expect(text).toContain("disk swap");
    expect(text).toContain(
      "MeetMonitor-weekly  SCHEDULED recurring\n  cron(0 2 * * SUN) (Europe/Paris) for PT2H\n  mutes 3 alarms of backend",
    );
    expect(text).toContain('Maintenance window "weekly"\\x1b[2J\\nfake: ALL CLEAR');
    expect(text).not.toContain("\u001b");
    expect(text).not.toContain("OtherTeam");
    expect(text).not.toContain("Noise");
    const lists = endpoint.requests.filter((request) => request.operation === "ListAlarmMuteRules");
    expect(lists.length).toBe(2);
    expect(lists[0]?.body.Statuses).toEqual(["ACTIVE", "SCHEDULED"]);

    clock = Date.UTC(2026, 2, 1, 10, 40);
    const later = await maintenance(["list"]);
    expect(later.out.join("")).not.toContain("maintenance-20260301T0931");
  });

  it("end removes a one-time window, and refuses a recurring, a foreign or a missing one", async () => {
    await maintenance(["start", "--minutes", "30", "--name", "hotfix"]);
    endpoint.muteRules.rules.set("MeetMonitor-weekly", {
      Name: "MeetMonitor-weekly",
      Rule: { Schedule: { Expression: "cron(0 2 * * SUN)", Duration: "PT2H" } },
      MuteTargets: { AlarmNames: GARAGE },
      LastUpdatedTimestamp: 0,
    });
    endpoint.muteRules.rules.set("OtherTeam-now", {
      Name: "OtherTeam-now",
      Rule: { Schedule: { Expression: "at(2026-03-01T09:00)", Duration: "PT2H" } },
      MuteTargets: { AlarmNames: ["Other-alarm"] },
      LastUpdatedTimestamp: 0,
    });
    const ended = await maintenance(["end", "MeetMonitor-hotfix"]);
    expect(ended.code).toBe(0);
    expect(ended.out.join("")).toContain("Ended MeetMonitor-hotfix: the 6 alarms it muted notify again");
    expect(endpoint.muteRules.rules.has("MeetMonitor-hotfix")).toBe(false);

    const recurring = await maintenance(["end", "MeetMonitor-weekly"]);
    expect(recurring.code).toBe(1);
    expect(recurring.err.join("")).toContain(
      'recurring window of the configuration: remove it from "maintenance"',
    );
    const foreign = await maintenance(["end", "OtherTeam-now"]);
    expect(foreign.err.join("")).toContain("mutes none of this stack's alarms");
    const missing = await maintenance(["end", "MeetMonitor-nope"]);
    expect(missing.err.join("")).toContain("there is no alarm mute rule named MeetMonitor-nope");
    expect(endpoint.muteRules.rules.has("MeetMonitor-weekly")).toBe(true);
    expect(endpoint.muteRules.rules.has("OtherTeam-now")).toBe(true);
    expect(endpoint.requests.filter((request) => request.operation === "DeleteAlarmMuteRule")).toHaveLength(
      1,
    );
  });

  it("exits 1 with CloudWatch's error, naming the operation and the region", async () => {
    endpoint.failAlways(500);
    const { code, err } = await maintenance(["start", "--minutes", "5"]);
    expect(code).toBe(1);
    expect(err.join("")).toMatch(
      /^PutAlarmMuteRule failed: InternalServiceFault: injected failure \(HTTP 500\) \(region eu-west-3\)/,
    );
  });

  it("runs as a command with Node 24, calling CloudWatch in the stack's region through AWS_ENDPOINT_URL_CLOUDWATCH", async () => {
    const away = join(dir, "away.json");
    writeFileSync(
      away,
      JSON.stringify({ MeetMonitor: { ...OUTPUTS.MeetMonitor, AlarmRegion: "us-west-2" } }),
    );
    const { stdout } = await run(
      process.execPath,
      [join(PROJECT_ROOT, "commands", "maintenance.ts"), "start", "--minutes", "15", "--outputs-file", away],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
          AWS_ACCESS_KEY_ID: "AKIDLOCALTEST",
          AWS_SECRET_ACCESS_KEY: "local-test-secret",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_CONFIG_FILE: join(dir, "none"),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
        },
      },
    );
    expect(stdout).toContain("Muting 6 alarms of backend, livekit, garage");
    const put = endpoint.requests.find((request) => request.operation === "PutAlarmMuteRule");
    expect(put?.region).toBe("us-west-2");
    expect(put?.body.Rule).toMatchObject({ Schedule: { Duration: "PT15M", Timezone: "UTC" } });
  });
});
