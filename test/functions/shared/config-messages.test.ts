/**
 * What the operator reads about a bad configuration: every kind of problem the schema can report
 * says what was expected and what was found, cross-field rules are reported in the same pass as
 * field problems, and a value that could be a secret is never echoed.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../functions/shared/config/index.ts";
import { expectedText } from "../../../functions/shared/config/issues.ts";

const backend = { url: "http://meet-backend.internal:8000" };

function messages(input: unknown): Record<string, string> {
  const result = parseConfig(input);
  if (result.ok) throw new Error("expected the config to be rejected");
  return Object.fromEntries(result.issues.map((issue) => [issue.path, issue.message]));
}

describe("a value of the wrong type says what was expected and what was found", () => {
  it.each([
    [
      "a string where an integer goes",
      { probe: { timeoutMs: "5000" } },
      "probe.timeoutMs",
      "expected an integer, got a string",
    ],
    [
      "a fraction where an integer goes",
      { probe: { timeoutMs: 5000.5 } },
      "probe.timeoutMs",
      "expected an integer, got 5000.5",
    ],
    ["a number where a string goes", { namespace: 42 }, "namespace", "expected a string, got 42"],
    [
      "a string where a boolean goes",
      { alarms: { backendDown: { enabled: "no" } } },
      "alarms.backendDown.enabled",
      "expected true or false, got a string",
    ],
    ["null where an object goes", { alerts: null }, "alerts", "expected an object, got null"],
    [
      "an object where an array goes",
      { alerts: { critical: { emails: {} } } },
      "alerts.critical.emails",
      "expected an array, got an object",
    ],
    [
      "a string where a number goes",
      { alarms: { backendDown: { threshold: "1" } } },
      "alarms.backendDown.threshold",
      "expected a number, got a string",
    ],
  ])("%s", (_what, fields, path, message) => {
    expect(messages({ targets: { backend }, ...fields })[path]).toBe(message);
  });

  it("a string where the targets object goes", () => {
    expect(messages({ targets: "backend" })).toEqual({ targets: "expected an object, got a string" });
  });

  it("a root that is not an object", () => {
    expect(messages([])).toEqual({ "(root)": "expected an object, got an array" });
    expect(messages(null)).toEqual({ "(root)": "expected an object, got null" });
    expect(messages("{}")).toEqual({ "(root)": "expected an object, got a string" });
  });

  it("a field that is really absent is still required", () => {
    expect(messages({})).toEqual({ targets: "is required" });
    expect(messages({ targets: { backend: {} } })).toEqual({ "targets.backend.url": "is required" });
  });

  it("never quotes a string found in the wrong place: it may be a secret", () => {
    const found = messages({
      targets: {
        livekit: {
          url: "http://livekit:7880",
          metricsUrl: "http://livekit:6789/metrics",
          metricsBasicAuth: { username: "prometheus", password: "hunter2-secret" },
        },
      },
    });
    expect(found["targets.livekit.metricsBasicAuth.password"]).toBe("expected an object, got a string");
    expect(JSON.stringify(found)).not.toContain("hunter2");
  });
});

describe("every other kind of issue the schema produces", () => {
  it("too_small and too_big: the bound, and the number, length or count found", () => {
    const found = messages({
      probe: { timeoutMs: 50, retryDelayMs: 9000 },
      alarms: { backendDown: { evaluationPeriods: 0 } },
      deployment: {
        memoryMb: 2048,
        vpc: { subnetIds: [], securityGroupIds: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"] },
      },
      vantage: "v".repeat(256),
      targets: { backend },
    });
    expect(found).toMatchObject({
      "probe.timeoutMs": "must be at least 100 ms, got 50",
      "probe.retryDelayMs": "must be at most 5000 ms, got 9000",
      "alarms.backendDown.evaluationPeriods": "must be at least 1, got 0",
      "deployment.memoryMb": "must be at most 1024, got 2048",
      "deployment.vpc.subnetIds": "must be a non-empty array",
      "deployment.vpc.securityGroupIds": "must be an array of at most 5 items, got 6 items",
      vantage: "must be at most 255 characters long, got 256 characters",
    });
  });

  it("invalid_format: the schema's words for a pattern or an email address", () => {
    const found = messages({
      targets: { backend },
      alerts: { critical: { emails: ["oncall"] } },
      deployment: { region: "Paris" },
    });
    expect(found).toEqual({
      "alerts.critical.emails[0]": "must be an email address",
      "deployment.region": "must be an AWS region such as eu-west-3",
    });
  });

  it("unrecognized_keys: the unknown field's name", () => {
    expect(messages({ targets: { backend }, probes: {} })).toEqual({ "(root)": 'unknown field "probes"' });
  });

  it("invalid_union: the accepted types when none matched, the meant branch's problem otherwise", () => {
    const found = messages({
      targets: {
        livekit: { url: "http://livekit:7880", metricsUrl: 6789 },
        garage: { adminUrl: "http://garage:3903", metrics: true },
        backend: { url: ["http://meet-backend:8000"] },
      },
    });
    expect(found).toEqual({
      "targets.livekit.metricsUrl": "expected a string or an array, got 6789",
      "targets.garage.metrics": "expected false or an object, got true",
      "targets.backend.url": "expected a string, got an array",
    });
    expect(
      messages({ targets: { livekit: { url: "http://livekit:7880", metricsUrl: ["http://lk:6789", 7] } } }),
    ).toEqual({ "targets.livekit.metricsUrl[1]": "expected a string, got 7" });
    expect(
      messages({ targets: { garage: { adminUrl: "http://garage:3903", metrics: { timeoutMs: "1" } } } }),
    ).toEqual({ "targets.garage.metrics.timeoutMs": "expected an integer, got a string" });
  });

  it("invalid_union on a discriminator: the choices, and the value found (a name, never a secret)", () => {
    const requests = (value: Record<string, unknown>) =>
      messages({ targets: { backend: { ...backend, requests: { url: "http://x:1/metrics", ...value } } } });
    const choices = '"ingress-nginx", "django-prometheus", "custom", "alb"';
    expect(requests({ preset: "nginx" })).toEqual({
      "targets.backend.requests.preset": `must be one of ${choices}, got "nginx"`,
    });
    expect(requests({})).toEqual({ "targets.backend.requests.preset": `is required: one of ${choices}` });
    expect(requests({ preset: "\u001b[2J" })["targets.backend.requests.preset"]).toContain('got "\\x1b[2J"');
  });

  it("invalid_key: the key's own problem", () => {
    const found = messages({
      targets: {
        backend: {
          ...backend,
          requests: {
            preset: "custom",
            url: "http://x:1/m",
            metric: "m",
            statusLabel: "s",
            match: { "1x": "a" },
          },
        },
      },
    });
    expect(found).toEqual({
      "targets.backend.requests.match.1x": "has an invalid key: must be a Prometheus label name",
    });
  });

  it("custom: the rule's words, and the number found when the rule is about one number", () => {
    expect(messages({ targets: { backend }, deployment: { logRetentionDays: 2 } })).toEqual({
      "deployment.logRetentionDays": expect.stringMatching(/^must be one of 1, 3, 5, .*, 3653, got 2$/),
    });
    expect(messages({ targets: { livekit: { url: "http://u:p@livekit" } } })).toEqual({
      "targets.livekit.url": "must not contain credentials (user:password@)",
    });
  });

  it("the kinds no field of the schema produces still read as expectations", () => {
    const base = { input: 7, path: [] };
    expect(expectedText({ ...base, code: "not_multiple_of", divisor: 5 })).toBe("must be a multiple of 5");
    expect(
      expectedText({
        ...base,
        code: "invalid_element",
        origin: "set",
        key: 1,
        issues: [{ code: "custom", path: [], message: "is odd" }],
      }),
    ).toBe("has an invalid element: is odd");
    expect(expectedText({ ...base, code: "invalid_value", values: ["a", 1] })).toBe('must be "a" or 1');
  });
});

describe("cross-field rules are reported in the same pass as field problems", () => {
  it("datapointsToAlarm above evaluationPeriods, next to a wrong type in the same override", () => {
    expect(
      messages({
        targets: { backend },
        namespace: 1,
        alarms: { backendDown: { enabled: "no", datapointsToAlarm: 3 } },
      }),
    ).toEqual({
      namespace: "expected a string, got 1",
      "alarms.backendDown.enabled": "expected true or false, got a string",
      "alarms.backendDown.datapointsToAlarm": "must not exceed evaluationPeriods (2)",
    });
  });

  it("a window of the wrong type counts as not set: the default window is compared", () => {
    expect(
      messages({
        targets: { backend },
        alarms: { garageDegraded: { evaluationPeriods: "5", datapointsToAlarm: 12 } },
      }),
    ).toEqual({
      "alarms.garageDegraded.evaluationPeriods": "expected an integer, got a string",
      "alarms.garageDegraded.datapointsToAlarm": "must not exceed evaluationPeriods (10)",
    });
  });

  it("ca and caFile, exactly one of exporterUrl or rdsInstanceId, a credential source, and the targets", () => {
    const found = messages({
      targets: {
        backend: { ...backend, tls: { ca: "PEM", caFile: "ca.pem", servername: 3 } },
        database: { exporterUrl: "http://pg:9187/metrics", rdsInstanceId: "meet-db", timeoutMs: "1" },
        livekit: {
          url: "http://livekit:7880",
          metricsUrl: "http://livekit:6789/metrics",
          metricsBasicAuth: { username: "prometheus", password: { secretJsonKey: 5 } },
        },
      },
    });
    expect(found).toEqual({
      "targets.backend.tls.servername": "expected a string, got 3",
      "targets.backend.tls": "set either ca or caFile, not both",
      "targets.database.timeoutMs": "expected an integer, got a string",
      "targets.database": "set exactly one of exporterUrl or rdsInstanceId",
      "targets.database.maxConnections": expect.stringContaining("is required with rdsInstanceId"),
      "targets.livekit.metricsBasicAuth.password.secretJsonKey": "expected a string, got 5",
      "targets.livekit.metricsBasicAuth.password": "give at least one of secretArn, env or file",
    });
    expect(messages({ targets: {}, namespace: "" })).toEqual({
      namespace: "must not be empty",
      targets: "configure at least one target (backend, livekit, garage, database, redis, hosts or egress)",
    });
  });
});

describe("cross-field rules of the other layers, in the same pass", () => {
  it("Redis, egress and host names, next to a wrong field of the same object", () => {
    expect(
      messages({
        targets: {
          redis: { timeoutMs: "1", cacheNodeId: "0001" },
          egress: { roomCompositeCpuCost: 2, timeoutMs: 1500.5 },
          hosts: [
            { name: "db-1", url: "http://db-1:9100/metrics" },
            { name: "DB-1", url: "http://db-2:9100/metrics", timeoutMs: "x" },
          ],
        },
      }),
    ).toEqual({
      "targets.redis.timeoutMs": "expected an integer, got a string",
      "targets.redis": "set exactly one of exporterUrl or cacheClusterId",
      "targets.redis.cacheNodeId": "only applies with cacheClusterId",
      "targets.egress.timeoutMs": "expected an integer, got 1500.5",
      "targets.egress": expect.stringContaining("set exactly one of metricsUrl"),
      "targets.egress.roomCompositeCpuCost": expect.stringContaining("only applies with healthUrl"),
      "targets.hosts[1].timeoutMs": "expected an integer, got a string",
      "targets.hosts[1].name": '"DB-1" is already the name of hosts[0] (names are compared ignoring case)',
    });
  });

  it("vantages: a region listed twice and no home region, next to a wrong memory size", () => {
    expect(
      messages({
        targets: { backend },
        deployment: { memoryMb: "512", vantages: ["eu-west-3", "eu-west-3"] },
      }),
    ).toEqual({
      "deployment.memoryMb": "expected an integer, got a string",
      "deployment.region": expect.stringContaining("is required with vantages"),
      "deployment.vantages[1]": "eu-west-3 is listed twice",
    });
  });

  it("maintenance windows: a twice-used name next to a fractional duration", () => {
    const window = { schedule: "cron(0 2 * * SUN)", durationMinutes: 60 };
    expect(
      messages({
        targets: { backend },
        maintenance: [
          { ...window, name: "weekly" },
          { ...window, name: "weekly", durationMinutes: 90.5 },
        ],
      }),
    ).toEqual({
      "maintenance[1].durationMinutes": "expected an integer, got 90.5",
      "maintenance[1].name": '"weekly" is used twice',
    });
  });
});

describe("headers", () => {
  it("refuses CR, LF and other control characters in a value, without echoing the value", () => {
    const found = messages({
      targets: {
        backend: {
          ...backend,
          headers: { "X-A": "a\r\nX-Injected: 1", Authorization: "Bearer s3cret\n", "X-C": "tab\tis fine" },
        },
      },
    });
    expect(Object.keys(found).sort()).toEqual([
      "targets.backend.headers.Authorization",
      "targets.backend.headers.X-A",
    ]);
    expect(found["targets.backend.headers.X-A"]).toMatch(
      /^must not contain CR, LF or other control characters/,
    );
    expect(JSON.stringify(found)).not.toContain("s3cret");
  });

  it("refuses names that are not HTTP tokens, in the same pass as a bad value", () => {
    expect(
      messages({
        targets: { backend: { ...backend, headers: { "X Space": "1", "X-Ä": "1", "": "1", "X-Ok": 4 } } },
      }),
    ).toEqual({
      "targets.backend.headers.X Space": expect.stringContaining("is not a valid HTTP header name"),
      "targets.backend.headers.X-Ä": expect.stringContaining("is not a valid HTTP header name"),
      "targets.backend.headers.": expect.stringContaining("is not a valid HTTP header name"),
      "targets.backend.headers.X-Ok": "expected a string, got 4",
    });
  });
});
