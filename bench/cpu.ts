/**
 * CPU time per probe, ours and blackbox_exporter's, measured the same way: the CPU time
 * (utime + stime, all threads) of the probing process from /proc/<pid>/stat, over a fixed number
 * of probes of the same three loopback servers (which run in a third process), three at a time.
 * Ours runs in a child process doing what the Lambda does each minute (probeOnce: three checks,
 * datums), once without and once with PutMetricData to a local CloudWatch endpoint; blackbox
 * answers /probe requests as Prometheus would send them.
 */
import { startBlackbox } from "./blackbox.ts";
import type { CpuChildArgument } from "./cpu-child.ts";
import { forkChild } from "./ipc.ts";
import { processCpuMs } from "./proc.ts";
import { round } from "./stats.ts";
import { startTargets } from "./targets.ts";

export interface CpuFigure {
  readonly probes: number;
  readonly cpuMs: number;
  readonly perProbeMs: number;
  readonly failures: number;
}

export interface CpuFigures {
  readonly ours: CpuFigure & { readonly selfCpuMs: number };
  readonly oursWithPublish: CpuFigure & { readonly selfCpuMs: number };
  readonly blackbox?: CpuFigure;
  readonly blackboxSkipped?: string;
}

const PATHS = ["/__heartbeat__", "/", "/health"] as const;

export async function benchCpu(cycles: number, log: (line: string) => void): Promise<CpuFigures> {
  const targets = await startTargets({ healthy: { count: 3, delayMs: 0 }, cloudwatch: true });
  try {
    const [b, l, g] = targets.healthyPorts;
    if (b === undefined || l === undefined || g === undefined) throw new Error("three ports expected");
    const ports: [number, number, number] = [b, l, g];
    const ours = await oursCpu({ ports, warmupCycles: 30, cycles });
    log(`cpu: ours ${ours.perProbeMs} ms/probe over ${ours.probes} probes`);
    const oursWithPublish = await oursCpu({
      ports,
      warmupCycles: 30,
      cycles,
      ...(targets.cloudwatchUrl === undefined ? {} : { cloudwatchUrl: targets.cloudwatchUrl }),
    });
    log(`cpu: ours with PutMetricData ${oursWithPublish.perProbeMs} ms/probe`);
    let blackbox: CpuFigure | undefined;
    let blackboxSkipped: string | undefined;
    try {
      blackbox = await blackboxCpu(ports, cycles);
      log(`cpu: blackbox_exporter ${blackbox.perProbeMs} ms/probe`);
    } catch (error) {
      blackboxSkipped = error instanceof Error ? error.message : String(error);
      log(`cpu: blackbox_exporter skipped: ${blackboxSkipped}`);
    }
    return {
      ours,
      oursWithPublish,
      ...(blackbox ? { blackbox } : {}),
      ...(blackboxSkipped === undefined ? {} : { blackboxSkipped }),
    };
  } finally {
    await targets.close();
  }
}

async function oursCpu(argument: CpuChildArgument): Promise<CpuFigure & { selfCpuMs: number }> {
  const child = forkChild(new URL("./cpu-child.ts", import.meta.url), argument);
  try {
    await child.ready;
    const before = processCpuMs(child.pid);
    const done = child.next("done");
    child.send({ type: "go" });
    const result = await done;
    const cpuMs = processCpuMs(child.pid) - before;
    const probes = Number(result.probes);
    return {
      probes,
      cpuMs: round(cpuMs, 0),
      perProbeMs: round(cpuMs / probes, 3),
      failures: Number(result.failures),
      selfCpuMs: round(Number(result.selfCpuMs), 0),
    };
  } finally {
    await child.close();
  }
}

async function blackboxCpu(ports: readonly number[], cycles: number): Promise<CpuFigure> {
  const blackbox = await startBlackbox();
  try {
    const urls = ports.map((port, index) => `http://127.0.0.1:${port}${PATHS[index] ?? "/"}`);
    const batch = async (): Promise<number> => {
      const probes = await Promise.all(urls.map((url) => blackbox.probe(url)));
      return probes.filter((probe) => !probe.success).length;
    };
    for (let i = 0; i < 30; i++) await batch();
    const before = processCpuMs(blackbox.pid);
    let failures = 0;
    for (let i = 0; i < cycles; i++) failures += await batch();
    const cpuMs = processCpuMs(blackbox.pid) - before;
    const probes = cycles * urls.length;
    return { probes, cpuMs: round(cpuMs, 0), perProbeMs: round(cpuMs / probes, 3), failures };
  } finally {
    await blackbox.stop();
  }
}
