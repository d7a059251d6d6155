/**
 * Child process hosting the servers a benchmark probes (and, when asked, a local endpoint that
 * speaks CloudWatch's wire protocol), so that serving never competes with the measured prober
 * for its event loop. Started by `startTargets`; answers queries over IPC.
 */
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../support/cloudwatch-endpoint.ts";
import { childArgument, sendToParent, serveQueries } from "./ipc.ts";
import {
  type BenchServer,
  type FlapOptions,
  type FlappingServer,
  startFlappingServer,
  startHealthyServer,
  startTruthServer,
  type TlsPem,
  type TruthRecord,
} from "./servers.ts";
import type { CloudWatchSummary, TargetSpec, TargetsReady } from "./targets.ts";

const spec = childArgument<TargetSpec>();
const servers: BenchServer[] = [];
let truth: (() => TruthRecord[]) | undefined;
const flapping: FlappingServer[] = [];
let endpoint: CloudWatchEndpoint | undefined;

async function main(): Promise<void> {
  const ready: { -readonly [K in keyof TargetsReady]: TargetsReady[K] } = {
    healthyPorts: [],
    flappingPorts: [],
  };
  let tls: TlsPem | undefined;
  if (spec.healthy?.tlsIndexes && spec.healthy.tlsIndexes.length > 0) {
    // node-forge is a dev dependency, like the rest of the bench.
    const { TestCa } = await import("../support/certs.ts");
    const ca = TestCa.create("Meet Monitor Bench CA");
    tls = ca.issue({ hosts: ["localhost", "127.0.0.1"] });
    ready.caPem = ca.cert;
  }
  if (spec.healthy) {
    const tlsIndexes = new Set(spec.healthy.tlsIndexes ?? []);
    for (let index = 0; index < spec.healthy.count; index++) {
      const server = await startHealthyServer(spec.healthy.delayMs, tlsIndexes.has(index) ? tls : undefined);
      servers.push(server);
      ready.healthyPorts.push(server.port);
    }
  }
  if (spec.truth) {
    const started = await startTruthServer(spec.truth.delayMs);
    servers.push(started.server);
    truth = started.records;
    ready.truthPort = started.server.port;
  }
  if (spec.flapping) {
    for (const seed of spec.flapping.seeds) {
      const options: FlapOptions = { seed, weights: spec.flapping.weights, slowMs: spec.flapping.slowMs };
      const server = await startFlappingServer(options);
      servers.push(server);
      flapping.push(server);
      ready.flappingPorts.push(server.port);
    }
  }
  if (spec.cloudwatch) {
    endpoint = await startCloudWatchEndpoint();
    ready.cloudwatchUrl = endpoint.url;
  }
  sendToParent({ type: "ready", ...ready });
}

function cloudwatchSummary(): CloudWatchSummary {
  const requests = endpoint?.requests ?? [];
  const unique = new Set<string>();
  const upByCheck: Record<string, number> = {};
  let datums = 0;
  for (const request of requests) {
    for (const item of request.body.MetricData ?? []) {
      datums++;
      const dims = (item.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(",");
      unique.add(`${item.MetricName}{${dims}}`);
      if (item.MetricName === "Up") {
        const component = item.Dimensions?.find((d) => d.Name === "Component")?.Value ?? "?";
        upByCheck[component] = (upByCheck[component] ?? 0) + 1;
      }
    }
  }
  return {
    requests: requests.length,
    operations: [...new Set(requests.map((r) => r.operation))],
    datums,
    uniqueMetrics: [...unique].sort(),
    upByCheck,
  };
}

serveQueries(
  (what) => {
    switch (what) {
      case "truth":
        return truth?.() ?? [];
      case "flapModes":
        return flapping.map((server) => server.modes);
      case "openSockets":
        return servers.map((server) => server.openSockets()).reduce((a, b) => a + b, 0);
      case "cloudwatch":
        return cloudwatchSummary();
      case "resetCloudwatch":
        if (endpoint) endpoint.requests.length = 0;
        return true;
      default:
        throw new Error(`unknown query ${what}`);
    }
  },
  async () => {
    await Promise.all(servers.map((server) => server.close()));
    await endpoint?.close();
  },
);

main().catch((error: unknown) => {
  process.stderr.write(`target process failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
