/**
 * `npm run bench`: every figure of the Performance section in one run, against loopback servers
 * only. Prints readable tables, then, as its last line, one JSON object with every figure.
 *
 *   npm run bench                     everything (a few minutes on 2 cores)
 *   npm run bench -- --soak           the 2,000-cycle soak only
 *   npm run bench -- --only=cycle,cpu sections: cycle, accuracy, cpu, deployment, soak
 *   npm run bench -- --skip=soak
 *   npm run bench -- --soak-cycles=500
 *   npm run bench -- --only=accuracy --accuracy-pause-ms=20   probes spaced out instead of back to back
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseConfig } from "../functions/shared/config/index.ts";
import { type AccuracyFigures, benchAccuracy, type ToolAccuracy } from "./accuracy.ts";
import { blackboxVersion } from "./blackbox.ts";
import { PRICES, RUNS_PER_MONTH } from "./cost.ts";
import { benchCpu, type CpuFigures } from "./cpu.ts";
import { benchCycles, type CycleFigure } from "./cycle.ts";
import { benchDeployment, type DeploymentFigures } from "./deployment.ts";
import { goalChecks, goalsTable, ratio } from "./goals.ts";
import { EXAMPLE_CONFIG } from "./handler-env.ts";
import { lambdaNodeArgs } from "./lambda.ts";
import { machineDescription } from "./proc.ts";
import {
  benchSoakInChild,
  HEAP_GROWTH_LIMIT_MB,
  RESOURCE_GROWTH_LIMIT,
  type SoakBenchResult,
} from "./soak-bench.ts";
import { round } from "./stats.ts";
import { table } from "./table.ts";

const SECTIONS = ["cycle", "accuracy", "cpu", "deployment", "soak"] as const;
type Section = (typeof SECTIONS)[number];

function parseArguments(argv: readonly string[]): {
  sections: Set<Section>;
  soakCycles: number;
  accuracyPauseMs: number;
} {
  let sections = new Set<Section>(SECTIONS);
  let soakCycles = 2000;
  let accuracyPauseMs = 0;
  for (const argument of argv) {
    const [flag, value = ""] = argument.split("=", 2);
    const list = value
      .split(",")
      .filter((name): name is Section => (SECTIONS as readonly string[]).includes(name));
    if (flag === "--soak") sections = new Set(["soak"]);
    else if (flag === "--only") sections = new Set(list);
    else if (flag === "--skip") for (const name of list) sections.delete(name);
    else if (flag === "--soak-cycles") soakCycles = Math.max(10, Number(value) || soakCycles);
    else if (flag === "--accuracy-pause-ms") accuracyPauseMs = Math.max(0, Number(value) || 0);
    else throw new Error(`unknown argument ${argument} (see bench/run.ts)`);
  }
  return { sections, soakCycles, accuracyPauseMs };
}

const progress = (line: string): void => {
  process.stderr.write(`  ${line}\n`);
};
const load1m = (): number => round(loadavg()[0] ?? 0, 2);
/** The 1-minute load average when each section started, and at the end: figures taken on a busy machine are not final. */
const loadAverages: Record<string, number> = {};
const section = (name: Section, line: string): void => {
  loadAverages[name] = load1m();
  progress(`${line} (load average ${loadAverages[name]})`);
};
const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

async function main(): Promise<void> {
  const { sections, soakCycles, accuracyPauseMs } = parseArguments(process.argv.slice(2));
  const machine = {
    ...machineDescription(),
    node: process.version,
    date: new Date().toISOString(),
    loadAverage1m: round(loadavg()[0] ?? 0, 2),
    blackboxExporter: blackboxVersion() ?? null,
  };
  print(
    `meet-synthetic-monitor bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ` +
      `blackbox_exporter ${machine.blackboxExporter ?? "not installed"}, load ${machine.loadAverage1m}, ${machine.date}`,
  );
  const defaults = parseConfig(JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8")));
  const configuredMemoryMb = defaults.ok ? defaults.config.deployment.memoryMb : 256;

  let cycle: CycleFigure[] | undefined;
  let accuracy: AccuracyFigures | undefined;
  let cpu: CpuFigures | undefined;
  let deployment: DeploymentFigures | undefined;
  let soak: SoakBenchResult | undefined;

  if (sections.has("cycle")) {
    section("cycle", "cycle: 3, 30 and 300 targets answering after 50 ms");
    cycle = await benchCycles([3, 30, 300], 50, 5, progress);
    print(
      table(
        "One cycle of N concurrent checks; servers answer after 50 ms (median of 5 cycles after a warm-up)",
        ["targets", "wall ms", "x 50 ms", "min", "max", "check median", "check max", "connect max", "not up"],
        cycle.map((f) => [
          f.targets,
          f.wallMs,
          f.ratio,
          f.minMs,
          f.maxMs,
          f.checkMedianMs,
          f.checkMaxMs,
          f.connectMaxMs,
          f.notUp,
        ]),
      ),
    );
  }

  if (sections.has("accuracy")) {
    section("accuracy", "accuracy: 200 probes each against a server waiting 100 ms before its headers");
    accuracy = await benchAccuracy(200, 100, progress, accuracyPauseMs);
    const toolRows = (name: string, tool: ToolAccuracy, ttfb: string, total: string): unknown[][] => [
      [`${name}: ${ttfb}`, tool.ttfbMedianMs, ...errorCells(tool.ttfbError), tool.failures],
      [`${name}: ${total}`, tool.totalMedianMs, ...errorCells(tool.totalError), tool.failures],
    ];
    const rows: unknown[][] = [
      ...toolRows("ours", accuracy.ours, "Ttfb", "total (Latency)"),
      ...toolRows("bare node:net", accuracy.bare, "Ttfb (the floor)", "total"),
    ];
    if (accuracy.blackbox) {
      const bb = accuracy.blackbox;
      rows.push(
        ["blackbox: processing", bb.ttfbMedianMs, ...errorCells(bb.ttfbError), bb.failures],
        ["blackbox: probe_duration_seconds", bb.totalMedianMs, ...errorCells(bb.totalError), bb.failures],
        ["blackbox: sum of phases", null, ...errorCells(bb.phaseSumError), bb.failures],
      );
    }
    print(
      table(
        `Accuracy against the server's own clock (${accuracy.probes} probes each${accuracy.pauseMs > 0 ? `, ${accuracy.pauseMs} ms apart` : ", back to back"}; server waited ${accuracy.truthWaitMedianMs} ms median; error = measured - truth, ms)`,
        ["measure", "median ms", "error median", "error p99", "error min", "error max", "failures"],
        rows,
      ),
    );
    if (accuracy.blackboxSkipped) print(`blackbox_exporter skipped: ${accuracy.blackboxSkipped}`);
  }

  if (sections.has("cpu")) {
    section("cpu", "cpu: 500 cycles of 3 probes, ours and blackbox_exporter's");
    cpu = await benchCpu(500, progress);
    const rows: unknown[][] = [
      [
        "ours: probeOnce (3 checks, datums)",
        cpu.ours.probes,
        cpu.ours.cpuMs,
        cpu.ours.perProbeMs,
        cpu.ours.failures,
      ],
      [
        "ours: + PutMetricData to a local endpoint",
        cpu.oursWithPublish.probes,
        cpu.oursWithPublish.cpuMs,
        cpu.oursWithPublish.perProbeMs,
        cpu.oursWithPublish.failures,
      ],
    ];
    if (cpu.blackbox) {
      rows.push([
        "blackbox_exporter: /probe",
        cpu.blackbox.probes,
        cpu.blackbox.cpuMs,
        cpu.blackbox.perProbeMs,
        cpu.blackbox.failures,
      ]);
    }
    print(
      table(
        "CPU time of the probing process (/proc/<pid>/stat utime+stime), three probes at a time",
        ["prober", "probes", "CPU ms", "CPU ms/probe", "failures"],
        rows,
      ),
    );
  }

  if (sections.has("deployment")) {
    section(
      "deployment",
      "deployment: synthesizing the stack (examples/minimal.json) and the baseline bundle",
    );
    deployment = await benchDeployment({ importRuns: 9, invocations: 21, coldStartRuns: 7 }, progress);
    printDeployment(deployment);
  }

  if (sections.has("soak")) {
    const memoryMb = deployment?.memoryMb ?? configuredMemoryMb;
    section(
      "soak",
      `soak: ${soakCycles} cycles against flapping servers (Lambda heap flags for ${memoryMb} MB)`,
    );
    soak = await benchSoakInChild(soakCycles, lambdaNodeArgs(memoryMb), progress);
    printSoak(soak);
  }

  loadAverages.end = load1m();
  const goals = goalChecks(accuracy, cpu, deployment);
  if (goals.length > 0) print(goalsTable(goals, loadAverages));
  const summary = {
    machine: { ...machine, loadAverages },
    goals,
    cycle: cycle
      ? cycle.map((f) => ({
          targets: f.targets,
          wallMs: f.wallMs,
          ratio: f.ratio,
          minMs: f.minMs,
          maxMs: f.maxMs,
        }))
      : null,
    accuracy: accuracy
      ? {
          probes: accuracy.probes,
          delayMs: accuracy.delayMs,
          pauseMs: accuracy.pauseMs,
          truthWaitMedianMs: accuracy.truthWaitMedianMs,
          ours: errorJson(accuracy.ours.ttfbError, accuracy.ours.totalError),
          bareNodeNet: errorJson(accuracy.bare.ttfbError, accuracy.bare.totalError),
          blackbox: accuracy.blackbox
            ? {
                version: accuracy.blackbox.version,
                ...errorJson(accuracy.blackbox.ttfbError, accuracy.blackbox.totalError),
              }
            : null,
        }
      : null,
    cpuPerProbeMs: cpu
      ? {
          ours: cpu.ours.perProbeMs,
          oursWithPublish: cpu.oursWithPublish.perProbeMs,
          blackbox: cpu.blackbox?.perProbeMs ?? null,
          probes: cpu.ours.probes,
        }
      : null,
    bundle: deployment
      ? {
          bytes: deployment.bundle.bytes,
          gzipBytes: deployment.bundle.gzipBytes,
          importMs: deployment.bundle.importMs,
          baseline: {
            bytes: deployment.bundle.baseline.bytes,
            gzipBytes: deployment.bundle.baseline.gzipBytes,
            importMs: deployment.bundle.baseline.importMs,
          },
          bytesRatio: ratio(deployment.bundle.bytes, deployment.bundle.baseline.bytes),
          importRatio: ratio(deployment.bundle.importMs, deployment.bundle.baseline.importMs),
          breakdown: Object.fromEntries(deployment.bundle.breakdown.parts.map((p) => [p.name, p.bytes])),
          baselineBreakdown: Object.fromEntries(
            deployment.bundle.baselineBreakdown.parts.map((p) => [p.name, p.bytes]),
          ),
          breakdownMatchesCdk: deployment.bundle.breakdownMatchesCdk,
        }
      : null,
    coldStart: deployment ? deployment.coldStart : null,
    peakRssMb: deployment?.peakRss.targets300Mb ?? null,
    peakRssHandlerMb: deployment?.handler.peakRssMb ?? null,
    handler: deployment
      ? {
          memoryMb: deployment.memoryMb,
          firstMs: deployment.handler.firstMs,
          medianMs: deployment.handler.medianMs,
          medianCpuMs: deployment.handler.medianCpuMs,
          lambdaDurationMs: deployment.lambdaDurationMs,
          customMetrics: deployment.handler.customMetrics,
          putMetricDataRequestsPerRun: deployment.handler.putMetricDataRequestsPerRun,
          logBytesPerRun: deployment.handler.logBytesPerRun,
        }
      : null,
    costPerMonthUsd: deployment
      ? {
          runsPerMonth: RUNS_PER_MONTH,
          ours: { compute: deployment.cost.ours.computeUsd, total: deployment.cost.ours.totalUsd },
          synthetics: {
            compute: deployment.cost.synthetics.computeUsd,
            total: deployment.cost.synthetics.totalUsd,
          },
          computeRatio: deployment.cost.computeRatio,
          totalRatio: deployment.cost.totalRatio,
          syntheticsOneCanaryPerCheck: {
            compute: deployment.costThreeCanaries.synthetics.computeUsd,
            total: deployment.costThreeCanaries.synthetics.totalUsd,
          },
          oursAllTargetsHung: {
            compute: deployment.costAllHung.ours.computeUsd,
            total: deployment.costAllHung.ours.totalUsd,
          },
          vantages: {
            count: deployment.costVantages.inputs.vantages ?? 1,
            ours: deployment.costVantages.ours.totalUsd,
            synthetics: deployment.costVantages.synthetics.totalUsd,
            totalRatio: deployment.costVantages.totalRatio,
            alarms: deployment.alarmsVantages,
            remoteCustomMetrics: deployment.costVantages.inputs.remoteCustomMetrics ?? 0,
          },
          alarms: deployment.alarms,
          prices: PRICES,
        }
      : null,
    soak: soak
      ? {
          cycles: soak.cycles,
          pass: soak.pass,
          failures: soak.failures,
          maxCycleMs: soak.maxCycleMs,
          boundMs: soak.boundMs,
          missingUp: soak.missingUp,
          publishFailures: soak.publishFailures,
          heapGrowthMb: soak.heapGrowthMb,
          rssGrowthMb: soak.rssGrowthMb,
          resourceGrowth: soak.resourceGrowth,
          fdGrowth: soak.fdGrowth,
          verdictsMatching: soak.verdictsMatching ?? null,
          verdictsChecked: soak.verdictsChecked ?? null,
          wallSeconds: soak.wallSeconds,
        }
      : null,
  };
  print("");
  print(JSON.stringify(summary));
  if (soak && !soak.pass) process.exitCode = 1;
}

function errorCells(summary: { medianMs: number; p99Ms: number; minMs: number; maxMs: number }): number[] {
  return [summary.medianMs, summary.p99Ms, summary.minMs, summary.maxMs];
}

function errorJson(
  ttfb: { medianMs: number; p99Ms: number },
  total: { medianMs: number; p99Ms: number },
): Record<string, number> {
  return {
    ttfbErrorMedianMs: ttfb.medianMs,
    ttfbErrorP99Ms: ttfb.p99Ms,
    totalErrorMedianMs: total.medianMs,
    totalErrorP99Ms: total.p99Ms,
  };
}

function printDeployment(d: DeploymentFigures): void {
  const kb = (bytes: number): number => Math.round(bytes / 1024);
  print(
    table(
      `Lambda bundle (the stack's esbuild settings) and import time in a fresh Node ${process.version} process (median of ${d.bundle.importRuns})`,
      ["bundle", "KiB", "gzip KiB", "map KiB", "import ms", "RSS after import MB"],
      [
        [
          "probe (functions/probe/handler.ts)",
          kb(d.bundle.bytes),
          kb(d.bundle.gzipBytes),
          kb(d.bundle.mapBytes),
          d.bundle.importMs,
          d.bundle.importRssMb,
        ],
        [
          "baseline: @aws-sdk/client-cloudwatch only",
          kb(d.bundle.baseline.bytes),
          kb(d.bundle.baseline.gzipBytes),
          kb(d.bundle.baseline.mapBytes),
          d.bundle.baseline.importMs,
          d.bundle.baseline.importRssMb,
        ],
      ],
    ),
  );
  print(breakdownTable(d));
  const cold = d.coldStart;
  print(
    table(
      `Cold start: require() of the bundle, then its first invocation, in a fresh process (${d.memoryMb} MB heap flags), median of ${cold.runs} runs alternating; targets answer at once`,
      ["bundle", "import ms", "first invocation ms", "cold start ms", "checks down"],
      [
        [
          "probe: 3 checks + Garage metrics, PutMetricData",
          cold.ours.importMs,
          cold.ours.firstInvocationMs,
          cold.ours.totalMs,
          cold.ours.down,
        ],
        [
          "baseline: CloudWatch client, PutMetricData of 1 datum",
          cold.baseline.importMs,
          cold.baseline.firstInvocationMs,
          cold.baseline.totalMs,
          cold.baseline.down,
        ],
      ],
    ),
  );
  print(
    table(
      `The production handler, ${d.handler.invocations} invocations in one fresh process (${d.memoryMb} MB heap flags: ${d.nodeArgs.join(" ")}${d.nodeOptions ? `, NODE_OPTIONS=${d.nodeOptions}` : ""})`,
      ["figure", "value"],
      [
        ["first invocation ms", d.handler.firstMs],
        ["warm invocation ms (median)", d.handler.medianMs],
        ["CPU ms per invocation (median)", d.handler.medianCpuMs],
        [`estimated Lambda duration ms at ${d.memoryMb} MB (CPU share)`, d.lambdaDurationMs],
        ["PutMetricData requests per run", d.handler.putMetricDataRequestsPerRun],
        ["datums per run", d.handler.datumsPerRun],
        ["custom metrics (unique name+dimensions)", d.handler.customMetrics],
        ["log bytes per run", d.handler.logBytesPerRun],
        ["peak RSS MB (3 checks + Garage metrics)", d.handler.peakRssMb],
        [
          `peak RSS MB, one 300-target cycle (${d.peakRss.targets300Up}/${d.peakRss.targets300Checks} up)`,
          d.peakRss.targets300Mb,
        ],
      ],
    ),
  );
  const costRows = (label: string, lines: readonly { item: string; usd: number; detail: string }[]) =>
    lines.map((line) => [label, line.item, line.usd, line.detail]);
  print(
    table(
      `Monthly cost, us-east-1 list prices, ${RUNS_PER_MONTH} runs (30 days, one a minute); alarms from the synthesized template`,
      ["monitor", "item", "USD", "how"],
      [
        ...costRows("ours", d.cost.ours.lines),
        ["ours", "compute (Lambda)", d.cost.ours.computeUsd, ""],
        ["ours", "TOTAL", d.cost.ours.totalUsd, ""],
        ...costRows("Synthetics", d.cost.synthetics.lines),
        ["Synthetics", "TOTAL", d.cost.synthetics.totalUsd, "canary Lambda compute not included"],
        ["Synthetics, 1 canary per check", "TOTAL", d.costThreeCanaries.synthetics.totalUsd, ""],
        [
          "ours, every target hung all month",
          "TOTAL",
          d.costAllHung.ours.totalUsd,
          `compute ${d.costAllHung.ours.computeUsd}`,
        ],
        ["ratio Synthetics/ours", "compute", d.cost.computeRatio, `total x${d.cost.totalRatio}`],
      ],
    ),
  );
  const v = d.costVantages;
  const regions = v.inputs.vantages ?? 1;
  print(
    table(
      `Monthly cost by number of vantages: ours (a probe per region, the others essential and without white-box sources) beside a Synthetics canary running in as many regions (price per run x regions), each with the alarms of the synthesized home stack (${d.alarms.alarms} alarms with 1 vantage, ${d.alarmsVantages.alarms} with ${regions})`,
      ["item", "1 vantage", `${regions} vantages`, "how"],
      [
        ...d.cost.ours.lines.map((line, index) => [
          `ours: ${line.item}`,
          line.usd,
          v.ours.lines[index]?.usd,
          v.ours.lines[index]?.detail,
        ]),
        ["ours: TOTAL", d.cost.ours.totalUsd, v.ours.totalUsd, ""],
        ...d.cost.synthetics.lines.map((line, index) => [
          `Synthetics: ${line.item}`,
          line.usd,
          v.synthetics.lines[index]?.usd,
          v.synthetics.lines[index]?.detail,
        ]),
        [
          "Synthetics: TOTAL",
          d.cost.synthetics.totalUsd,
          v.synthetics.totalUsd,
          "canary Lambda compute not included",
        ],
        ["ratio Synthetics/ours, total", d.cost.totalRatio, v.totalRatio, ""],
      ],
    ),
  );
}

/** Each part of the two bundles, from esbuild's metafile, largest first. */
function breakdownTable(d: DeploymentFigures): string {
  const { breakdown, baselineBreakdown } = d.bundle;
  const baselineBytes = new Map(baselineBreakdown.parts.map((part) => [part.name, part.bytes]));
  const kib = (bytes: number | undefined): number | string =>
    bytes === undefined ? "-" : round(bytes / 1024, 1);
  const rows: unknown[][] = breakdown.parts.map((part) => [
    part.name,
    kib(part.bytes),
    kib(baselineBytes.get(part.name)),
    `${round((100 * part.bytes) / breakdown.bytes, 1)}%`,
  ]);
  for (const part of baselineBreakdown.parts) {
    if (!breakdown.parts.some((ours) => ours.name === part.name))
      rows.push([part.name, "-", kib(part.bytes), ""]);
  }
  rows.push([
    "TOTAL (minified, no source map comment)",
    kib(breakdown.bytes),
    kib(baselineBreakdown.bytes),
    "",
  ]);
  const check = d.bundle.breakdownMatchesCdk
    ? "same size as CDK's bundles"
    : "WARNING: not the size of CDK's bundles, the settings have drifted";
  return table(
    `What each part weighs, esbuild's metafile of the same entries and settings (${check})`,
    ["part", "probe KiB", "baseline KiB", "share of probe"],
    rows,
  );
}

function printSoak(s: SoakBenchResult): void {
  const first = s.samples[0];
  const middle = s.samples[Math.floor(s.samples.length / 2)];
  const last = s.samples.at(-1);
  print(
    table(
      `Soak: ${s.cycles} cycles, servers flapping healthy/slow/hung/reset (${s.modeCounts.healthy}/${s.modeCounts.slow}/${s.modeCounts.hung}/${s.modeCounts.reset} requests), timeout ${s.timeoutMs} ms, retry after ${s.retryDelayMs} ms, ${s.wallSeconds} s`,
      [
        "sample",
        "cycle",
        "heap used MB (after GC)",
        "heap total MB",
        "RSS MB",
        "active resources",
        "open fds",
      ],
      [first, middle, last].map((sample, index) => [
        ["start", "middle", "end"][index],
        sample?.cycle,
        sample?.heapUsedMb,
        sample?.heapTotalMb,
        sample?.rssMb,
        sample
          ? Object.entries(sample.resources)
              .map(([kind, count]) => `${kind}:${count}`)
              .join(" ")
          : "",
        sample?.openFds,
      ]),
    ),
  );
  print(
    table(
      "Soak bounds",
      ["figure", "value", "bound"],
      [
        [
          "slowest cycle ms",
          s.maxCycleMs,
          `${s.boundMs} (2 x timeout + pause + ${s.boundMs - 2 * s.timeoutMs - s.retryDelayMs})`,
        ],
        ["cycles over the bound", s.cyclesOverBound, 0],
        ["checks without an Up datum", s.missingUp, 0],
        [
          "Up datums received by CloudWatch endpoint",
          Object.values(s.upReceived).join("/"),
          `${s.cycles + s.warmupCycles} each (with warm-up)`,
        ],
        ["failed publications", s.publishFailures, 0],
        ["watchdog fired", s.watchdogFired, 0],
        ["verdicts matching the server's behaviour", `${s.verdictsMatching}/${s.verdictsChecked}`, ""],
        ["checks down (both attempts failed)", s.checksDown, ""],
        ["heap growth MB (after GC, start to end)", s.heapGrowthMb, `< ${HEAP_GROWTH_LIMIT_MB}`],
        ["RSS growth MB", s.rssGrowthMb, ""],
        ["active resources growth", s.resourceGrowth, `<= ${RESOURCE_GROWTH_LIMIT}`],
        ["open file descriptors growth", s.fdGrowth, `<= ${RESOURCE_GROWTH_LIMIT}`],
        ["server sockets left open", s.serverOpenSockets, 0],
        ["verdict", s.pass ? "PASS" : `FAIL: ${s.failures.join("; ")}`, ""],
      ],
    ),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
