/**
 * Child process for the CPU benchmark: warms up, says `ready`, waits for `go`, then runs a fixed
 * number of cycles of the three checks one after the other and says `done`. The parent reads this
 * process's CPU time from /proc/<pid>/stat between `ready`/`go` and after `done`, exactly as it
 * does for blackbox_exporter.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { createCloudWatchPublisher } from "../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../functions/probe/adapters/node-http.ts";
import { probeOnce } from "../functions/probe/monitor.ts";
import { parseConfig } from "../functions/shared/config/index.ts";
import { childArgument, type Message, sendToParent } from "./ipc.ts";

export interface CpuChildArgument {
  readonly ports: readonly [number, number, number];
  readonly warmupCycles: number;
  readonly cycles: number;
  /** Also publish each cycle's datums with PutMetricData to this local endpoint. */
  readonly cloudwatchUrl?: string;
}

const argument = childArgument<CpuChildArgument>();
const [backend, livekit, garage] = argument.ports;
const parsed = parseConfig({
  vantage: "bench",
  targets: {
    backend: { url: `http://127.0.0.1:${backend}` },
    livekit: { url: `http://127.0.0.1:${livekit}` },
    garage: { adminUrl: `http://127.0.0.1:${garage}` },
  },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const config = parsed.config;
const http = createNodeHttp();
const publisher = argument.cloudwatchUrl
  ? createCloudWatchPublisher({
      client: new CloudWatchClient({
        region: "eu-west-3",
        endpoint: argument.cloudwatchUrl,
        credentials: { accessKeyId: "AKIDLOCALBENCH", secretAccessKey: "local-bench-secret" },
        maxAttempts: 3,
      }),
    })
  : undefined;

async function cycles(count: number): Promise<number> {
  let down = 0;
  for (let i = 0; i < count; i++) {
    const outcome = await probeOnce(config, "bench", {
      http,
      writeEmf: () => undefined,
      ...(publisher ? { publisher } : {}),
    });
    down += outcome.report.checks.filter((check) => check.status !== "up").length;
    if (outcome.publish && !outcome.publish.ok) down++;
  }
  return down;
}

await cycles(argument.warmupCycles);
process.on("message", (raw) => {
  const message = raw as Message;
  if (message.type === "go") {
    const before = process.cpuUsage();
    void cycles(argument.cycles).then((failures) => {
      const used = process.cpuUsage(before);
      sendToParent({
        type: "done",
        probes: argument.cycles * 3,
        failures,
        selfCpuMs: (used.user + used.system) / 1000,
      });
    });
  } else if (message.type === "close") {
    process.exit(0);
  }
});
sendToParent({ type: "ready" });
