/**
 * The CDK app as operators run it: a child process on Node 24 (process.execPath under vitest),
 * first directly with the context the CDK CLI passes (CDK_CONTEXT_JSON, CDK_OUTDIR), then through
 * the real `npx cdk synth` of cdk.json, offline and without AWS credentials: every HTTP(S) request
 * goes to a local proxy that records it, and nothing may reach it.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../infra/probe-function.ts";
import { type RunningServer, startRawServer } from "../../support/servers.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let proxy: RunningServer;
/** The first line of every request the proxy received (`CONNECT registry.npmjs.org:443 ...`). */
const proxied: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meet-monitor-app-"));
  proxy = await startRawServer((socket) => {
    socket.once("data", (chunk: Buffer) => {
      proxied.push(chunk.toString("latin1").split("\r\n")[0] ?? "");
      socket.destroy();
    });
  });
});
afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * An environment that cannot reach AWS or the internet: no credentials, every proxy-aware client
 * (the CDK CLI, npm, the SDK) sent to the recording proxy. Nothing of the CDK's own switches
 * (CDK_DISABLE_CLI_TELEMETRY...): cdk.json and .npmrc must be enough.
 */
function offlineEnv(extra: Record<string, string>): Record<string, string> {
  const home = join(dir, "home");
  return {
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    HOME: home,
    AWS_CONFIG_FILE: join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    HTTP_PROXY: `http://127.0.0.1:${proxy.port}`,
    HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`,
    NO_PROXY: "",
    ...extra,
  };
}

/** `npx cdk ...` as the README writes it. */
function runCdk(args: string[], timeout = 150_000): Promise<Run> {
  return run([NPX, "cdk", ...args], offlineEnv({}), timeout);
}
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

/** Runs `args` with Node 24, or a command (`npx ...`) found on the test's PATH. */
function run(args: string[], env: Record<string, string>, timeout = 90_000): Promise<Run> {
  const [command, ...rest] = args[0] === NPX ? args : [process.execPath, ...args];
  return new Promise((resolve) => {
    execFile(command ?? "", rest, { cwd: PROJECT_ROOT, env, timeout }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function runApp(context: Record<string, unknown>, outdir: string): Promise<Run> {
  return run(
    [join(PROJECT_ROOT, "infra", "app.ts")],
    offlineEnv({ CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir }),
  );
}

function writeConfig(name: string, config: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe("synth-time config errors", () => {
  it("lists every problem, schema and deploy-only, with its path, exits 2 and synthesizes nothing", async () => {
    const config = writeConfig("bad.json", {
      namespace: "AWS/Meet",
      targets: {
        backend: { url: "ftp://meet-backend" },
        livekit: {
          url: "https://livekit.example.org",
          metricsUrl: "https://livekit.example.org:6789/metrics",
          metricsBasicAuth: { username: "prometheus", password: { env: "LIVEKIT_METRICS_PASSWORD" } },
        },
        garage: { adminUrl: "http://127.0.0.1:3903" },
        database: { exporterUrl: "http://10.0.4.10:9187/metrics" },
      },
      alerts: { critical: { urls: ["http://events.pagerduty.com/x"] } },
      alarms: { backendDown: { datapointsToAlarm: 5 }, typo: {} },
      deployment: { memoryMb: 128 },
    });
    const outdir = join(dir, "bad.out");
    const result = await runApp({ config }, outdir);
    expect(result.code).toBe(2);
    const paths = [
      "namespace",
      "targets.backend.url",
      "alerts.critical.urls[0]",
      "alarms.backendDown.datapointsToAlarm",
      "alarms",
      "deployment.memoryMb",
      "targets.livekit.metricsBasicAuth.password",
      "targets.garage.adminUrl",
      "targets.database.exporterUrl",
    ];
    for (const path of paths) expect(result.stderr).toContain(`  - ${path}: `);
    expect(result.stderr).toContain(`${config}: 9 problems in the configuration`);
    expect(result.stderr).toContain("add secretArn");
    expect(result.stderr).toContain("127.0.0.1 is the Lambda's own loopback");
    expect(result.stderr).toContain("10.0.4.10 is a private address");
    expect(result.stderr).toContain("Nothing was synthesized: exit status 2");
    expect(existsSync(outdir) ? readdirSync(outdir).filter((f) => f.endsWith(".template.json")) : []).toEqual(
      [],
    );
  });

  it("exits 2 with the usage when no config is given, and when the file cannot be read", async () => {
    const none = await runApp({}, join(dir, "none.out"));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("usage: npx cdk synth|deploy -c config=");
    const missing = await runApp({ config: join(dir, "nope.json") }, join(dir, "nope.out"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("(file): cannot read");
  });
});

describe("npx cdk through cdk.json", () => {
  it("exits 1 on a bad config, the app's own message last but for cdk's one line about the exit status", async () => {
    const config = writeConfig("bad-cdk.json", { targets: { backend: { url: "ftp://meet" } } });
    const before = proxied.length;
    const result = await runCdk(["synth", "-c", `config=${config}`, "--output", join(dir, "bad-cdk.out")]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.slice(-4)).toEqual([
      `${config}: 1 problem in the configuration`,
      "  - targets.backend.url: must use http or https, not ftp",
      "Nothing was synthesized: exit status 2 (run through cdk: it adds the line below and exits 1).",
      "node infra/app.ts: Subprocess exited with error 2",
    ]);
    expect(result.stderr).not.toMatch(/NOTICES|telemetry/i);
    expect(proxied.slice(before)).toEqual([]);
  }, 150_000);

  it("synthesizes the README's `npx cdk synth -c config=...` offline, without credentials, asking nothing of the network", async () => {
    const outdir = join(dir, "cdk.out");
    const before = proxied.length;
    const result = await runCdk(["synth", "-c", "config=examples/minimal.json", "--output", outdir]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    // Notices off, telemetry off (cdk.json), no npm update check (.npmrc), no AWS call.
    expect(proxied.slice(before)).toEqual([]);
    expect(result.stderr).not.toMatch(/NOTICES|telemetry/i);
    expect(result.stdout).toContain("Resources:");
    expect(result.stdout).not.toContain("AWS::CDK::Metadata");
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    expect(manifest.artifacts.MeetMonitor).toMatchObject({
      type: "aws:cloudformation:stack",
      environment: "aws://unknown-account/unknown-region",
    });
    const template = JSON.parse(readFileSync(join(outdir, "MeetMonitor.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const fn = Object.values(template.Resources).find((r) => r.Type === "AWS::Lambda::Function");
    expect(fn?.Properties).toMatchObject({ Runtime: "nodejs24.x", Architectures: ["arm64"] });
    const asset = readdirSync(outdir).find((name) => name.startsWith("asset."));
    const bundled = JSON.parse(readFileSync(join(outdir, asset ?? "missing", "monitor-config.json"), "utf8"));
    expect(bundled).toMatchObject({ namespace: "LaSuiteMeet", vantage: "eu-west-3" });
    // The deploy-only warnings are printed but do not block.
    expect(result.stderr).toContain(
      "warning: targets.backend.url: meet-backend.internal looks like a private DNS name",
    );
  }, 150_000);
});

describe("npx cdk synth --all -c config=examples/multi-vantage.json", () => {
  it("synthesizes offline the home stack and a probe stack per other vantage, each in its region", async () => {
    const outdir = join(dir, "multi.out");
    const result = await run(
      [
        join(PROJECT_ROOT, "node_modules", "aws-cdk", "bin", "cdk"),
        "synth",
        "--all",
        "-c",
        "config=examples/multi-vantage.json",
        "--output",
        outdir,
        "--quiet",
        "--no-notices",
      ],
      offlineEnv({}),
      180_000,
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === "aws:cloudformation:stack")
      .map(([name, artifact]) => [name, artifact.environment]);
    expect(stacks).toEqual([
      ["MeetMonitor", "aws://unknown-account/eu-west-3"],
      ["MeetMonitor-us-east-1", "aws://unknown-account/us-east-1"],
      ["MeetMonitor-ap-southeast-1", "aws://unknown-account/ap-southeast-1"],
    ]);
    const template = (name: string) =>
      JSON.parse(readFileSync(join(outdir, `${name}.template.json`), "utf8")) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
    const home = Object.values(template("MeetMonitor").Resources);
    expect(
      home.filter((r) => r.Type === "AWS::CloudWatch::AlarmMuteRule").map((r) => r.Properties.Name),
    ).toEqual(["MeetMonitor-weekly-upgrades"]);
    expect(home.filter((r) => r.Type === "AWS::Lambda::Function")).toHaveLength(1);
    const probe = Object.values(template("MeetMonitor-us-east-1").Resources);
    expect(probe.find((r) => r.Type === "AWS::Lambda::Function")?.Properties.Environment).toEqual({
      Variables: { MEET_MONITOR_METRICS_REGION: "eu-west-3", MEET_MONITOR_WHITEBOX: "off" },
    });
    expect(probe.filter((r) => r.Type === "AWS::CloudWatch::Alarm")).toEqual([]);
  }, 240_000);
});
