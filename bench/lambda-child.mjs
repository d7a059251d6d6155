/**
 * A fresh process standing in for a Lambda container: loads one bundle (plain JavaScript here, so
 * Node's TypeScript support is never loaded and never counted), then either stops (import time),
 * invokes the bundle's handler several times (duration, CPU, log bytes), or runs one event through
 * it. Always reports its peak resident memory. Started by bench/lambda.ts with the Lambda
 * runtime's V8 heap flags for the function's memory size.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const argument = JSON.parse(process.argv[2] ?? "{}");
const require = createRequire(import.meta.url);
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
// This process's own high-water mark (VmHWM belongs to the address space exec created). Not
// getrusage's maxRSS: Linux keeps it across fork and exec, so it would report the bench's own
// resident size at the fork when that was larger (after synthesizing the stack, say).
const peakRssMb = () => {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
};

async function main() {
  const started = performance.now();
  const bundle = require(argument.bundle);
  const importMs = performance.now() - started;
  const importRssMb = process.memoryUsage().rss / 1_048_576;
  if (argument.mode === "import") return { importMs, importRssMb, peakRssMb: peakRssMb() };

  if (argument.mode === "handler") {
    // The handler logs JSON lines to stdout: count their bytes (CloudWatch Logs ingestion), drop them.
    let logBytes = 0;
    process.stdout.write = (chunk, ...rest) => {
      logBytes += Buffer.byteLength(chunk);
      const callback = rest.find((item) => typeof item === "function");
      if (callback) callback();
      return true;
    };
    const invocations = [];
    for (let i = 0; i < argument.invocations; i++) {
      const logBefore = logBytes;
      const cpuBefore = cpuMs();
      const wallBefore = performance.now();
      const result = await bundle.handler({}, {});
      invocations.push({
        wallMs: performance.now() - wallBefore,
        cpuMs: cpuMs() - cpuBefore,
        logBytes: logBytes - logBefore,
        down: result.down,
        published: result.published,
      });
      // Between two scheduled runs every socket of the previous one is closed.
      await new Promise((resolve) => setTimeout(resolve, argument.pauseMs ?? 100));
    }
    return { importMs, importRssMb, invocations, peakRssMb: peakRssMb() };
  }

  const output = await bundle.handler(argument.event, {});
  return { importMs, importRssMb, output, peakRssMb: peakRssMb() };
}

main().then(
  (result) => process.send?.({ type: "done", result }, () => process.exit(0)),
  (error) => process.send?.({ type: "failed", error: String(error?.stack ?? error) }, () => process.exit(1)),
);
