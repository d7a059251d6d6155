import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../../functions/shared/config/file.ts";
import { formatIssues, parseConfig } from "../../../functions/shared/config/index.ts";
import { TestCa } from "../../../support/certs.ts";

const minimal = {
  namespace: "LaSuiteMeet",
  vantage: "eu-west-3",
  targets: {
    backend: { url: "http://meet-backend.internal:8000" },
    livekit: { url: "https://livekit.example.org" },
    garage: { adminUrl: "http://garage.internal:3903" },
  },
};

function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = parseConfig(input);
  if (result.ok) throw new Error("expected the config to be rejected");
  return [...result.issues];
}

describe("config schema", () => {
  it("accepts the issue's example and fills the defaults", () => {
    const result = parseConfig(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.namespace).toBe("LaSuiteMeet");
    expect(result.config.probe).toEqual({ timeoutMs: 10_000, retryDelayMs: 1_000 });
    expect(result.config.alarms.prefix).toBe("Meet");
    expect(result.config.deployment).toMatchObject({
      stackName: "MeetMonitor",
      memoryMb: 256,
      singleConcurrency: false,
    });
  });

  it("defaults the namespace to LaSuiteMeet and leaves the vantage to the runtime", () => {
    const result = parseConfig({ targets: { livekit: { url: "http://livekit:7880" } } });
    expect(result.ok && result.config.namespace).toBe("LaSuiteMeet");
    expect(result.ok && result.config.vantage).toBeUndefined();
  });

  it("accepts headers, a timeout and TLS options per target", () => {
    const result = parseConfig({
      targets: {
        backend: {
          url: "http://10.0.0.5:8000",
          headers: { Host: "meet.example.org", "X-Forwarded-Proto": "https" },
          timeoutMs: 5000,
        },
        livekit: { url: "https://livekit.example.org", tls: { servername: "livekit.example.org" } },
      },
    });
    expect(result.ok).toBe(true);
  });

  it("reports every problem at once, each with its path", () => {
    const issues = issuesOf({
      namespace: "AWS/Meet",
      targets: {
        backend: { url: "ftp://meet", timeoutMs: 60_000, headers: { Connection: "keep-alive" } },
        livekit: { url: "not a url" },
        garage: { adminUrl: "http://admin:secret@garage:3903" },
      },
      probe: { retryDelayMs: -1 },
      alarms: { backendDown: { datapointsToAlarm: 3 } },
      extra: true,
    });
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "namespace",
        "targets.backend.url",
        "targets.backend.timeoutMs",
        "targets.backend.headers.Connection",
        "targets.livekit.url",
        "targets.garage.adminUrl",
        "probe.retryDelayMs",
        "alarms.backendDown.datapointsToAlarm",
        "(root)",
      ]),
    );
    expect(issues).toHaveLength(9);
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));
    expect(byPath["targets.backend.url"]).toBe("must use http or https, not ftp");
    expect(byPath["targets.garage.adminUrl"]).toContain("must not contain credentials");
    expect(byPath["targets.garage.adminUrl"]).not.toContain("secret");
    expect(byPath["targets.backend.timeoutMs"]).toContain("at most 15000 ms");
    expect(byPath["(root)"]).toBe('unknown field "extra"');
  });

  it("requires at least one target and each target's URL", () => {
    expect(issuesOf({ targets: {} })).toEqual([
      {
        path: "targets",
        message: "configure at least one target (backend, livekit, garage, database, redis, hosts or egress)",
      },
    ]);
    expect(issuesOf({ targets: { backend: {} } })).toEqual([
      { path: "targets.backend.url", message: "is required" },
    ]);
    expect(issuesOf({})).toEqual([{ path: "targets", message: "is required" }]);
  });

  it("rejects a misspelt field instead of ignoring it", () => {
    expect(issuesOf({ targets: { garage: { url: "http://garage:3903" } } })).toEqual([
      { path: "targets.garage.adminUrl", message: "is required" },
      { path: "targets.garage", message: 'unknown field "url"' },
    ]);
  });

  it("rejects a query string, which could carry a secret into logs", () => {
    expect(issuesOf({ targets: { livekit: { url: "http://lk/?token=x" } } })[0]?.path).toBe(
      "targets.livekit.url",
    );
  });

  it("formats the issues for the terminal", () => {
    const text = formatIssues("meet.json", [
      { path: "targets.backend.url", message: "is required" },
      { path: "namespace", message: "bad" },
    ]);
    expect(text).toBe(
      "meet.json: 2 problems in the configuration\n  - targets.backend.url: is required\n  - namespace: bad",
    );
  });
});

describe("config file", () => {
  let dir: string;
  let caPem: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "meet-config-"));
    caPem = TestCa.create().cert;
    await writeFile(join(dir, "ca.pem"), caPem);
    await writeFile(join(dir, "not-a-cert.pem"), "hello");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function load(content: string) {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, content);
    return loadConfigFile(path);
  }

  it("loads and validates a file", async () => {
    const result = await load(JSON.stringify(minimal));
    expect(result.ok).toBe(true);
  });

  it("makes every credential file absolute, relative to the config file, whatever field holds it", async () => {
    const result = await load(
      JSON.stringify({
        targets: {
          livekit: {
            url: "https://lk.example.org",
            apiKey: "monitor",
            apiSecret: { file: "secrets/livekit" },
            metricsUrl: "https://lk.example.org:6789/metrics",
            metricsBasicAuth: { username: "prometheus", password: { file: "lk-metrics" } },
          },
          garage: {
            adminUrl: "https://g.example.org",
            s3: {
              endpoint: "https://s3.example.org",
              bucket: "meet-recordings",
              accessKeyId: "GK0123",
              secretAccessKey: { env: "S3_SECRET", file: "s3" },
            },
          },
        },
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { livekit, garage } = result.config.targets;
    expect(livekit?.apiSecret).toEqual({ file: join(dir, "secrets/livekit") });
    expect(livekit?.metricsBasicAuth?.password).toEqual({ file: join(dir, "lk-metrics") });
    expect(garage?.s3?.secretAccessKey).toEqual({ env: "S3_SECRET", file: join(dir, "s3") });
  });

  it("inlines tls.caFile relative to the config file", async () => {
    const result = await load(
      JSON.stringify({ targets: { livekit: { url: "https://lk.example.org", tls: { caFile: "ca.pem" } } } }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.targets.livekit?.tls).toEqual({ ca: caPem });
  });

  it("reports unreadable files together with schema problems", async () => {
    const result = await load(
      JSON.stringify({
        namespace: "",
        targets: {
          livekit: { url: "https://lk.example.org", tls: { caFile: "missing.pem" } },
          garage: { adminUrl: "https://g.example.org", tls: { caFile: "not-a-cert.pem" } },
        },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual([
      "namespace",
      "targets.livekit.tls.caFile",
      "targets.garage.tls.caFile",
    ]);
    expect(result.issues[1]?.message).toMatch(/cannot read .*missing\.pem: no such file/);
    expect(result.issues[2]?.message).toMatch(/holds no PEM certificate/);
  });

  it("explains invalid JSON and a missing file", async () => {
    const broken = await load('{ "targets": { ');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.issues[0]?.message).toMatch(/^not valid JSON: /);
    const missing = await loadConfigFile(join(dir, "nope.json"));
    expect(missing).toEqual({
      ok: false,
      issues: [{ path: "(file)", message: `cannot read ${join(dir, "nope.json")}: no such file` }],
    });
  });
});
