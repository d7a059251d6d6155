/**
 * Bundled with the probe's esbuild settings for the peak-memory figure: one cycle of N concurrent
 * checks (N/3 configs run at once, as in the cycle benchmark), its datums, and their publication
 * through the real SDK publisher to a local CloudWatch endpoint: the probe's own code, bundled.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { createCloudWatchPublisher } from "../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../functions/probe/adapters/node-http.ts";
import { type CycleReport, runCycle } from "../../functions/probe/cycle.ts";
import { cycleDatums } from "../../functions/probe/datums.ts";
import { configsFor } from "../configs.ts";

export interface ConcurrentCycleResult {
  readonly wallMs: number;
  readonly checks: number;
  readonly up: number;
  readonly datums: number;
  readonly requests: number;
}

export async function handler(event: {
  readonly ports: readonly number[];
  readonly cloudwatchUrl: string;
}): Promise<ConcurrentCycleResult> {
  const http = createNodeHttp();
  const configs = configsFor(event.ports);
  const started = performance.now();
  const reports = await Promise.all(configs.map((config) => runCycle(config, "bench", { http })));
  const checks = reports.flatMap((report) => report.checks);
  const report: CycleReport = {
    timestamp: reports[0]?.timestamp ?? new Date(),
    vantage: "bench",
    durationMs: Math.round(performance.now() - started),
    checks,
  };
  const datums = cycleDatums(report);
  const publisher = createCloudWatchPublisher({
    client: new CloudWatchClient({
      region: "eu-west-3",
      endpoint: event.cloudwatchUrl,
      credentials: { accessKeyId: "AKIDLOCALBENCH", secretAccessKey: "local-bench-secret" },
    }),
  });
  const { requests } = await publisher.publish("LaSuiteMeet", report.timestamp, datums);
  return {
    wallMs: performance.now() - started,
    checks: checks.length,
    up: checks.filter((check) => check.status === "up").length,
    datums: datums.length,
    requests,
  };
}
