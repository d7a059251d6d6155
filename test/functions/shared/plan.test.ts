/** The plan of a configuration: its checks, its sources and its alarms, from one function. */
import { describe, expect, it } from "vitest";
import { ALARM_IDS } from "../../../functions/shared/alarms.ts";
import { type MonitorConfig, parseConfig } from "../../../functions/shared/config/index.ts";
import { ALARM_REQUIREMENTS, httpsChecks, planConfig } from "../../../functions/shared/plan/index.ts";

function configOf(input: Record<string, unknown>): MonitorConfig {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe("planConfig", () => {
  it("plans the checks of the configured targets, in the probe's order", () => {
    const plan = planConfig(
      configOf({
        targets: {
          garage: { adminUrl: "https://garage.test:3903", metrics: false },
          backend: { url: "http://backend.test:8000" },
        },
      }),
    );
    expect(plan.checks).toEqual([
      { component: "backend", check: "heartbeat", baseUrl: "http://backend.test:8000" },
      { component: "garage", check: "health", baseUrl: "https://garage.test:3903" },
    ]);
    expect(httpsChecks(plan.checks).map((check) => check.component)).toEqual(["garage"]);
  });

  it("plans one source per URL, once each, with the options that apply to it", () => {
    const plan = planConfig(
      configOf({
        probe: { timeoutMs: 4000 },
        targets: {
          livekit: {
            url: "http://livekit.test",
            metricsUrl: [
              "http://lk1.test:6789/metrics",
              "http://lk1.test:6789/metrics",
              "http://lk2.test:6789/metrics",
            ],
            metrics: { timeoutMs: 1500 },
          },
          // The default Garage URL is the admin API: the target's options apply to it.
          garage: { adminUrl: "http://garage.test:3903/prefix", timeoutMs: 2500, headers: { Host: "g" } },
          database: {
            exporterUrl: "http://pg.test:9187/metrics",
            exporterBasicAuth: { username: "monitor", password: { env: "PG" } },
          },
        },
      }),
    );
    expect(plan.sources.map((source) => [source.component, source.url.href, source.timeoutMs])).toEqual([
      ["livekit", "http://lk1.test:6789/metrics", 1500],
      ["livekit", "http://lk2.test:6789/metrics", 1500],
      ["garage", "http://garage.test:3903/prefix/metrics", 2500],
      ["database", "http://pg.test:9187/metrics", 4000],
    ]);
    expect(plan.sources[2]?.headers).toEqual({ Host: "g" });
    expect(plan.sources[3]?.auth).toEqual({
      type: "basic",
      username: "monitor",
      password: { env: "PG" },
      field: "targets.database.exporterBasicAuth.password",
    });
    expect(plan.sourceComponents).toEqual(["livekit", "garage", "database"]);
  });

  it("plans no source for the AWS-metric variants, and their alarms from AWS metrics", () => {
    const plan = planConfig(
      configOf({
        targets: {
          backend: {
            url: "http://backend.test",
            requests: { preset: "alb", loadBalancer: "app/meet/0a1b2c" },
          },
          database: { rdsInstanceId: "meet-db", maxConnections: 100 },
        },
      }),
    );
    expect(plan.sources).toEqual([]);
    expect(plan.alarms.map((alarm) => [alarm.id, alarm.source.kind])).toEqual([
      ["backendDown", "contract"],
      ["highErrorRate", "alb"],
      ["dbConnectionsNearLimit", "rds"],
      ["monitorSilent", "contract"],
      ["probeFunctionFailing", "lambdaErrors"],
      ["slowResponses", "albResponseTime"],
    ]);
  });

  it("says why each alarm it leaves out is not created, in the words of its requirement", () => {
    const plan = planConfig(
      configOf({
        targets: { livekit: { url: "http://livekit.test" } },
        alarms: { livekitDown: { enabled: false } },
      }),
    );
    expect(plan.alarms.map((alarm) => alarm.id)).toEqual(["monitorSilent", "probeFunctionFailing"]);
    expect(plan.skipped).toContainEqual({
      id: "livekitDown",
      reason: "disabled",
      detail: "alarms.livekitDown.enabled is false",
    });
    expect(plan.skipped).toContainEqual({
      id: "backendDown",
      reason: "not-configured",
      detail: "needs targets.backend",
    });
    expect(plan.skipped).toContainEqual({
      id: "diskSpace",
      reason: "not-configured",
      detail: "needs targets.garage (metrics not false)",
    });
  });

  it("has a requirement for every alarm of the catalogue", () => {
    for (const id of ALARM_IDS) expect(ALARM_REQUIREMENTS[id].when, id).not.toBe("");
  });
});
