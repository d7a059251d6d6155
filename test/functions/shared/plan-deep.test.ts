/** The plan of the deep checks: which checks, which alarms, with which names and metrics. */
import { describe, expect, it } from "vitest";
import { type MonitorConfig, parseConfig } from "../../../functions/shared/config/index.ts";
import { httpsChecks, planConfig } from "../../../functions/shared/plan/index.ts";

function configOf(targets: Record<string, unknown>, alarms: Record<string, unknown> = {}): MonitorConfig {
  const result = parseConfig({ targets, alarms });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const secret = { env: "LIVEKIT_SECRET" };
const everything = {
  backend: { url: "http://backend.test:8000", webhook: true },
  livekit: { url: "https://livekit.test", apiKey: "APIk", apiSecret: secret },
  garage: {
    adminUrl: "http://garage.test:3903",
    metrics: false,
    s3: { endpoint: "https://s3.test", bucket: "meet", accessKeyId: "GK", secretAccessKey: { env: "S3" } },
  },
};

describe("planned deep checks", () => {
  it("plans them after the health checks, the TURN checks after the join", () => {
    const plan = planConfig(configOf(everything));
    expect(plan.checks.map((check) => `${check.component}/${check.check}`)).toEqual([
      "backend/heartbeat",
      "livekit/health",
      "garage/health",
      "livekit/join",
      "livekit/turn-udp",
      "livekit/turn-tcp",
      "livekit/turn-tls",
      "backend/webhook",
      "garage/s3",
    ]);
    // Certificates: the https health check, TURN over TLS and the S3 endpoint; not the join (same host).
    expect(httpsChecks(plan.checks).map((check) => `${check.component}/${check.check}`)).toEqual([
      "livekit/health",
      "livekit/turn-tls",
      "garage/s3",
    ]);
  });

  it("leaves TURN out with join.turn false, and everything out with join.enabled false", () => {
    const noTurn = planConfig(configOf({ livekit: { ...everything.livekit, join: { turn: false } } }));
    expect(noTurn.checks.map((check) => check.check)).toEqual(["health", "join"]);
    expect(noTurn.alarms.map((alarm) => alarm.id)).not.toContain("turnFailing");
    const off = planConfig(configOf({ livekit: { ...everything.livekit, join: { enabled: false } } }));
    expect(off.checks.map((check) => check.check)).toEqual(["health"]);
  });
});

describe("deep check alarms", () => {
  it("creates each with its check in its name, on its check's metric", () => {
    const plan = planConfig(configOf(everything));
    const deep = plan.alarms.filter((alarm) =>
      [
        "livekitJoinFailing",
        "turnFailing",
        "turnAllFailing",
        "webhookRejected",
        "recordingStorageFailing",
      ].includes(alarm.id),
    );
    expect(deep.map((alarm) => [alarm.key, alarm.name, alarm.severity, alarm.datapointsToAlarm])).toEqual([
      ["livekitJoinFailing", "Meet-livekit-join-failing", "critical", 2],
      ["turnFailing-livekit-turn-udp", "Meet-livekit-turn-udp-failing", "warning", 5],
      ["turnFailing-livekit-turn-tcp", "Meet-livekit-turn-tcp-failing", "warning", 5],
      ["turnFailing-livekit-turn-tls", "Meet-livekit-turn-tls-failing", "warning", 5],
      ["turnAllFailing", "Meet-livekit-turn-unreachable", "critical", 3],
      ["webhookRejected", "Meet-backend-webhook-rejected", "warning", 5],
      ["recordingStorageFailing", "Meet-garage-s3-failing", "warning", 5],
    ]);
    const source = (key: string) => deep.find((alarm) => alarm.key === key)?.source;
    expect(source("livekitJoinFailing")).toMatchObject({
      kind: "contract",
      component: "livekit",
      check: "join",
    });
    expect(source("turnFailing-livekit-turn-tls")).toMatchObject({ check: "turn-tls" });
    expect(source("turnAllFailing")).toMatchObject({ spec: { name: "TurnRelayUp" }, component: "livekit" });
    expect(source("turnAllFailing")).not.toHaveProperty("check");
    for (const alarm of deep) expect(alarm.missingData).toBe("ignore");
    expect(deep.find((alarm) => alarm.id === "livekitJoinFailing")?.description).toMatch(
      /^\[CRITICAL\] LiveKit join failing: .* First check: .*Rule: Up of livekit\/join \(Minimum per 60 s\) < 1 for 2 of 2 periods; missing data: ignore/,
    );
  });

  it("keeps the health checks' alarm names and adds certificate alarms per deep TLS endpoint", () => {
    const plan = planConfig(configOf(everything));
    const certificates = plan.alarms.filter((alarm) => alarm.id === "certExpiringWarning");
    expect(certificates.map((alarm) => [alarm.key, alarm.name])).toEqual([
      ["certExpiringWarning-livekit", "Meet-livekit-certificate-expiring"],
      ["certExpiringWarning-livekit-turn-tls", "Meet-livekit-turn-tls-certificate-expiring"],
      ["certExpiringWarning-garage-s3", "Meet-garage-s3-certificate-expiring"],
    ]);
    expect(plan.alarms.find((alarm) => alarm.id === "livekitDown")?.name).toBe("Meet-livekit-down");
  });

  it("creates none of them without their checks, saying what they need", () => {
    const plan = planConfig(configOf({ livekit: { url: "http://livekit.test" } }));
    expect(plan.skipped).toContainEqual({
      id: "livekitJoinFailing",
      reason: "not-configured",
      detail: "needs targets.livekit.apiKey and apiSecret, or targets.backend.connectionTest",
    });
    expect(plan.skipped).toContainEqual({
      id: "recordingStorageFailing",
      reason: "not-configured",
      detail: "needs targets.garage.s3",
    });
  });

  it("honours an operator's override", () => {
    const plan = planConfig(
      configOf(everything, { turnFailing: { evaluationPeriods: 10 }, webhookRejected: { enabled: false } }),
    );
    expect(
      plan.alarms.filter((alarm) => alarm.id === "turnFailing").map((alarm) => alarm.datapointsToAlarm),
    ).toEqual([10, 10, 10]);
    expect(plan.skipped).toContainEqual({
      id: "webhookRejected",
      reason: "disabled",
      detail: "alarms.webhookRejected.enabled is false",
    });
  });
});
