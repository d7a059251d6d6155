/**
 * The deep checks' test harness: the real adapters on loopback (HTTP, WebSocket, STUN), a local
 * credential resolver reading a test's environment, the real cycle with the retry pause
 * shortened, and every server a test starts closed after it.
 */
import { afterEach } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createStunSocketPort } from "../../../../functions/probe/adapters/stun-socket.ts";
import { createWebSocketPort } from "../../../../functions/probe/adapters/websocket.ts";
import { createCredentialResolver } from "../../../../functions/probe/credentials.ts";
import { type CycleDependencies, type CycleReport, runCycle } from "../../../../functions/probe/cycle.ts";
import { type MonitorConfig, parseConfig } from "../../../../functions/shared/config/index.ts";
import { loopbackLookup } from "../../../../support/servers.ts";

export const API_KEY = "APImonitor";
export const API_SECRET = "livekit-test-secret-0123456789abcdef";

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** Closes `server` after the test. */
export function track<T extends { close(): Promise<void> }>(server: T): T {
  running.push(server);
  return server;
}

export function deepConfig(
  targets: Record<string, unknown>,
  probe: Record<string, unknown> = {},
): MonitorConfig {
  const result = parseConfig({
    vantage: "test",
    probe: { retryDelayMs: 0, timeoutMs: 3000, ...probe },
    targets,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

export function deepDependencies(env: Record<string, string> = {}): CycleDependencies {
  return {
    http: createNodeHttp({ lookup: loopbackLookup }),
    webSocket: createWebSocketPort({ lookup: loopbackLookup }),
    stun: createStunSocketPort({ lookup: loopbackLookup }),
    credentials: createCredentialResolver({ mode: "local", env: { LIVEKIT_SECRET: API_SECRET, ...env } }),
  };
}

export function cycle(config: MonitorConfig, env: Record<string, string> = {}): Promise<CycleReport> {
  return runCycle(config, "test", deepDependencies(env));
}

/** The result of one check of a report, or a failure naming what the report holds. */
export function resultOf(report: CycleReport, check: string) {
  const found = report.checks.find((result) => result.check === check);
  if (!found) {
    throw new Error(
      `no result for ${check}: ${JSON.stringify({ checks: report.checks, skipped: report.skipped })}`,
    );
  }
  return found;
}
