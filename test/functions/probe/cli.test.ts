import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCloudWatchPublisher } from "../../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../../functions/probe/adapters/node-http.ts";
import { type CliDependencies, EXIT, NO_REGION, runCli } from "../../../functions/probe/cli.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../support/cloudwatch-endpoint.ts";
import {
  loopbackLookup,
  type RunningServer,
  sendJson,
  sendText,
  startHttpServer,
} from "../../../support/servers.ts";

let dir: string;
let healthy: RunningServer;
let garageDown: RunningServer;
let endpoint: CloudWatchEndpoint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "meet-cli-"));
  healthy = await startHttpServer((req, res) => {
    if (req.url === "/__heartbeat__") return sendJson(res, 200, { status: "ok" });
    if (req.url === "/health") return sendText(res, 200, "Garage is fully operational");
    sendText(res, 200, "OK");
  });
  garageDown = await startHttpServer((_req, res) => sendText(res, 503, "Quorum is not available"));
  endpoint = await startCloudWatchEndpoint();
});
afterAll(async () => {
  await Promise.all([healthy.close(), garageDown.close(), endpoint.close()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  endpoint.requests.length = 0;
  endpoint.failAlways(undefined);
});

async function writeConfig(content: unknown): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(content));
  return path;
}

function allUp(): Promise<string> {
  return writeConfig({
    vantage: "ci",
    probe: { retryDelayMs: 0 },
    targets: {
      backend: { url: healthy.url },
      livekit: { url: healthy.url },
      garage: { adminUrl: healthy.url },
    },
  });
}

function oneDown(): Promise<string> {
  return writeConfig({
    vantage: "ci",
    probe: { retryDelayMs: 0 },
    targets: { backend: { url: healthy.url }, garage: { adminUrl: garageDown.url } },
  });
}

async function run(args: string[], dependencies: CliDependencies = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    },
    { http: createNodeHttp({ lookup: loopbackLookup }), ...dependencies },
  );
  return { code, stdout, stderr };
}

describe("probe CLI", () => {
  it("prints a table and exits 0 when every check is up", async () => {
    const { code, stdout, stderr } = await run(["--config", await allUp()]);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe("");
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT.*Z {2}vantage ci {2}all checks up {2}\(cycle took \d+ ms\)$/);
    expect(lines[1]).toMatch(
      /^COMPONENT\s+CHECK\s+STATUS\s+HTTP\s+TOTAL\s+DNS\s+CONNECT\s+TLS\s+TTFB\s+CERT DAYS\s+TRIES$/,
    );
    expect(lines[2]).toMatch(
      /^backend\s+heartbeat\s+UP\s+200\s+[\d.]+ms\s+-\s+[\d.]+ms\s+-\s+[\d.]+ms\s+-\s+1$/,
    );
    expect(lines[3]).toMatch(/^livekit\s+health\s+UP\s+200/);
    expect(lines[4]).toMatch(/^garage\s+health\s+UP\s+200/);
  });

  it("exits 1 and prints the reason when something is down", async () => {
    const { code, stdout } = await run(["--config", await oneDown()]);
    expect(code).toBe(EXIT.down);
    expect(stdout).toMatch(/1 of 2 down/);
    expect(stdout).toMatch(/garage\s+health\s+DOWN\s+503/);
    expect(stdout).toContain("garage/health: Garage unavailable (HTTP 503: quorum is not available)");
  });

  it("prints one JSON object per cycle with --json", async () => {
    const { code, stdout } = await run(["--config", await oneDown(), "--json"]);
    expect(code).toBe(EXIT.down);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] ?? "");
    expect(parsed).toMatchObject({ vantage: "ci", up: false });
    expect(parsed.checks.map((c: { component: string; status: string }) => [c.component, c.status])).toEqual([
      ["backend", "up"],
      ["garage", "down"],
    ]);
    expect(parsed.checks[1]).toMatchObject({ httpStatus: 503, attempts: 2 });
  });

  /**
   * `--watch --interval 5 --cycles 3` on a clock that moves only when the test says: each cycle
   * "takes" what `durations` gives it (counted when it prints), each pause what it asks.
   */
  async function watchOnClock(durations: readonly number[]) {
    let now = 1_000_000;
    let cycle = 0;
    const pauses: number[] = [];
    let stdout = "";
    let stderr = "";
    const code = await runCli(
      ["--config", await allUp(), "--watch", "--interval", "5", "--cycles", "3"],
      {
        stdout: (text) => {
          stdout += text;
          now += durations[cycle++] ?? 0;
        },
        stderr: (text) => {
          stderr += text;
        },
      },
      {
        http: createNodeHttp({ lookup: loopbackLookup }),
        clock: () => now,
        sleep: async (ms) => {
          pauses.push(ms);
          now += ms;
        },
      },
    );
    return { code, stdout, stderr, pauses };
  }

  it("repeats with --watch --interval --cycles, pacing cycles from start to start", async () => {
    const { code, stdout, stderr, pauses } = await watchOnClock([1_200, 1_200, 1_200]);
    expect(code).toBe(EXIT.ok);
    expect(stdout.match(/^cycle \d\/3 {2}/gm)).toEqual(["cycle 1/3  ", "cycle 2/3  ", "cycle 3/3  "]);
    expect(pauses).toEqual([3_800, 3_800]);
    expect(stderr).toBe("");
  });

  it("warns once per overrun when a cycle outlasts --interval, and starts the next one at once", async () => {
    const { code, stderr, pauses } = await watchOnClock([7_000, 2_000, 6_000]);
    expect(code).toBe(EXIT.ok);
    expect(pauses).toEqual([0, 3_000]);
    // The third cycle is the last: nothing starts late after it.
    expect(stderr).toBe(
      "warning: cycle 1 took 7.0 s, longer than --interval 5.0 s: the next cycle starts now, 2.0 s late\n",
    );
  });

  it("exits 1 when any watched cycle had a check down", async () => {
    let calls = 0;
    const flapping = await startHttpServer((_req, res) => {
      calls++;
      sendText(res, calls <= 2 ? 500 : 200, calls <= 2 ? "no" : "OK");
    });
    try {
      const config = await writeConfig({
        probe: { retryDelayMs: 0 },
        targets: { livekit: { url: flapping.url } },
      });
      const { code, stdout } = await run(
        ["--config", config, "--watch", "--interval", "1", "--cycles", "2", "--json"],
        {
          sleep: async () => undefined,
        },
      );
      expect(
        stdout
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line).up),
      ).toEqual([false, true]);
      expect(code).toBe(EXIT.down);
    } finally {
      await flapping.close();
    }
  });

  it("stops a watch between cycles when interrupted", async () => {
    const stop = new AbortController();
    const { code, stdout } = await run(["--config", await allUp(), "--watch", "--json"], {
      stopSignal: stop.signal,
      sleep: async () => {
        stop.abort();
      },
    });
    expect(code).toBe(EXIT.ok);
    expect(stdout.trim().split("\n")).toHaveLength(1);
  });

  it("publishes to CloudWatch with --publish", async () => {
    const { code, stderr } = await run(["--config", await allUp(), "--publish"], {
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
    });
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/^published \d+ datums to CloudWatch namespace LaSuiteMeet in 1 request\(s\)\n$/);
    const names = endpoint.datums().map((d) => d.MetricName);
    expect(names.filter((name) => name === "Up")).toHaveLength(3);
    expect(names).toContain("MonitorHeartbeat");
  });

  it("falls back to EMF and exits 1 when publishing fails (EMF on stderr with --json)", async () => {
    endpoint.failAlways(500);
    const { code, stdout, stderr } = await run(["--config", await allUp(), "--publish", "--json"], {
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
    });
    expect(code).toBe(EXIT.down);
    expect(JSON.parse(stdout.trim()).publish).toMatchObject({ ok: false });
    const emf = stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    expect(emf.length).toBeGreaterThan(0);
    expect(emf.every((record) => record._aws.CloudWatchMetrics[0].Namespace === "LaSuiteMeet")).toBe(true);
    expect(stderr).toMatch(/PutMetricData failed: .*wrote the \d+ datums as \d+ EMF line\(s\) instead/);
  });

  it("does not touch AWS without --publish", async () => {
    await run(["--config", await allUp()], {
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
    });
    expect(endpoint.requests).toHaveLength(0);
  });

  it("exits 2 listing every configuration problem", async () => {
    const config = await writeConfig({ namespace: "", targets: { backend: { url: "meet" }, garage: {} } });
    const { code, stdout, stderr } = await run(["--config", config]);
    expect(code).toBe(EXIT.usage);
    expect(stdout).toBe("");
    expect(stderr).toContain("3 problems in the configuration");
    expect(stderr).toContain("  - namespace: must not be empty");
    expect(stderr).toContain('  - targets.backend.url: "meet" is not a valid URL');
    expect(stderr).toContain("  - targets.garage.adminUrl: is required");
  });

  it.each([
    [[], "--config FILE is required"],
    [["--config", "x.json", "--bogus"], "Unknown option '--bogus'"],
    [["--config", "x.json", "--cycles", "3"], "--interval and --cycles only apply with --watch"],
    [
      ["--config", "x.json", "--watch", "--interval", "0"],
      "--interval must be a number of seconds between 1 and 3600",
    ],
    [["--config", "x.json", "--watch", "--cycles", "1.5"], "--cycles must be a positive integer"],
    [["--config", "x.json", "--vantage", ""], "--vantage must not be empty"],
    [["--config", "x.json", "--vantage", "eu west"], "--vantage must be printable ASCII without spaces"],
    [["--config", "x.json", "--vantage", "v".repeat(256)], "--vantage must be at most 255 characters long"],
  ])("exits 2 on bad usage %j", async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain(message);
    expect(stderr).toContain("Usage: npm run probe -- --config FILE");
  });

  it("prints help and exits 0", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain("Exit codes: 0 all checks up, 1 a check down or publishing failed, 2 bad usage");
  });
});

describe("probe CLI as a process", () => {
  function spawnCli(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["functions/probe/cli.ts", ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("exits with the documented codes", async () => {
    expect((await spawnCli(["--config", await allUp()])).code).toBe(0);
    expect((await spawnCli(["--config", await oneDown()])).code).toBe(1);
    expect((await spawnCli(["--config", join(dir, "missing.json")])).code).toBe(2);
  });

  it('exits 2 on --vantage "" with the vantage rule, not a stack trace', async () => {
    const result = await spawnCli(["--config", await allUp(), "--vantage", ""]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--vantage must not be empty\n/);
    expect(result.stderr).not.toMatch(/Error|\bat /);
  });

  it("names AWS_REGION when --publish has no region, before probing anything", async () => {
    const result = await spawnCli(["--config", await allUp(), "--publish"], {
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
      AWS_ACCESS_KEY_ID: "AKIDPROCESS",
      AWS_SECRET_ACCESS_KEY: "process-secret",
      AWS_CONFIG_FILE: join(dir, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${NO_REGION}\n`);
    expect(result.stderr).toContain("set AWS_REGION");
    expect(result.stdout).toBe("");
    expect(endpoint.requests).toHaveLength(0);
  });

  it("publishes through the standard AWS environment", async () => {
    const result = await spawnCli(["--config", await allUp(), "--publish"], {
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
      AWS_REGION: "eu-west-3",
      AWS_ACCESS_KEY_ID: "AKIDPROCESS",
      AWS_SECRET_ACCESS_KEY: "process-secret",
    });
    expect(result.stderr).toMatch(/^published \d+ datums/);
    expect(result.code).toBe(0);
    expect(endpoint.requests).toHaveLength(1);
  });
});
