/**
 * The checks' test harness: a real server on loopback per test (closed after it), the real HTTP
 * adapter, and the real cycle with the retry pause shortened.
 */
import type { ServerResponse } from "node:http";
import { afterEach } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { type CheckResult, runCycle } from "../../../../functions/probe/cycle.ts";
import { type MonitorConfig, parseConfig } from "../../../../functions/shared/config/index.ts";
import {
  type Handler,
  loopbackLookup,
  type RunningServer,
  sendText,
  startHttpServer,
  startRawHttpResponder,
} from "../../../../support/servers.ts";

export const http = createNodeHttp({ lookup: loopbackLookup });
export const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

export function config(targets: Record<string, unknown>, probe: Record<string, unknown> = {}): MonitorConfig {
  const result = parseConfig({
    vantage: "test",
    probe: { retryDelayMs: 0, timeoutMs: 2000, ...probe },
    targets,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

export async function serve(handler: Handler): Promise<RunningServer> {
  const server = await startHttpServer(handler);
  servers.push(server);
  return server;
}

/** One cycle with one health check against a server answering with `handler` (or these raw bytes). */
export async function checkOnce(
  component: "backend" | "livekit" | "garage",
  handler: Handler | Buffer,
): Promise<CheckResult> {
  const server = Buffer.isBuffer(handler) ? await startRawHttpResponder(handler) : await serve(handler);
  if (Buffer.isBuffer(handler)) servers.push(server);
  const target = component === "garage" ? { adminUrl: server.url } : { url: server.url };
  const report = await runCycle(config({ [component]: target }), "test", { http });
  const [result] = report.checks;
  if (!result) throw new Error("no result");
  return result;
}

export const html = (res: ServerResponse): void =>
  sendText(
    res,
    200,
    "<!doctype html><html><head><title>Meet</title></head><body></body></html>",
    "text/html",
  );
