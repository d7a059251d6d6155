/**
 * The host figures against Debian's prometheus-node-exporter started on loopback, checked against
 * /proc (and statfs) read by the test right before each scrape, with a tolerance for the few
 * milliseconds between the two reads. Needs `apt-get install -y prometheus-node-exporter`
 * (.ci/run installs it): without it the test fails under CI and is skipped, saying so, elsewhere.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createCredentialResolver } from "../../../../functions/probe/credentials.ts";
import {
  collectWhitebox,
  createWhiteboxState,
  type WhiteboxReport,
  whiteboxDatums,
} from "../../../../functions/probe/whitebox/collect.ts";
import { IGNORED_FSTYPES, IGNORED_INTERFACES } from "../../../../functions/probe/whitebox/extract/index.ts";
import { parseConfig } from "../../../../functions/shared/config/index.ts";
import {
  filesystemsFree,
  missingNodeExporter,
  NODE_EXPORTER_INSTALL_HINT,
  type ProcSnapshot,
  type RunningNodeExporter,
  readProc,
  startNodeExporter,
} from "../../../../support/node-exporter.ts";

const missing = missingNodeExporter();
if (missing.length > 0 && !process.env.CI) {
  console.warn(
    `Skipping the node_exporter test: ${missing.join(", ")} not installed (${NODE_EXPORTER_INSTALL_HINT})`,
  );
}

/** Keeps one CPU busy for `ms` (the test's own process). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error("unreachable");
}

/** Writes and syncs a file, so the disk has I/O to account for. */
function writeSynced(dir: string, bytes: number): void {
  const fd = openSync(join(dir, "io.bin"), "w");
  const chunk = Buffer.alloc(1024 * 1024, 7);
  for (let written = 0; written < bytes; written += chunk.length) writeSync(fd, chunk);
  fsyncSync(fd);
  closeSync(fd);
}

describe.skipIf(missing.length > 0 && !process.env.CI)("host figures from a real node_exporter", () => {
  let exporter: RunningNodeExporter;
  let scratch: string;
  beforeAll(async () => {
    if (missing.length > 0) {
      throw new Error(`${missing.join(", ")} not installed: ${NODE_EXPORTER_INSTALL_HINT} (CI must have it)`);
    }
    exporter = await startNodeExporter();
    scratch = mkdtempSync(join(tmpdir(), "meet-io-"));
  }, 60_000);
  afterAll(async () => {
    await exporter?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("publishes CPU busy, memory available, the fullest filesystem, the busiest disk and network rates, per host", async () => {
    const result = parseConfig({
      probe: { timeoutMs: 5_000 },
      targets: { hosts: [{ name: "probe-host", url: exporter.url }] },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const dependencies = {
      http: createNodeHttp(),
      state: createWhiteboxState(),
      credentials: createCredentialResolver({ mode: "local", env: {} }),
    };
    const scrape = async (): Promise<{ proc: ProcSnapshot; report: WhiteboxReport }> => {
      const proc = readProc();
      const report = await collectWhitebox(result.config, dependencies);
      if (!report) throw new Error("no report");
      return { proc, report };
    };

    const first = await scrape();
    expect(first.report.sources[0]).toMatchObject({
      source: "host",
      instance: { dimension: "Host", value: "probe-host" },
      ok: true,
    });
    spin(600);
    writeSynced(scratch, 16 * 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const second = await scrape();

    const published = Object.fromEntries(second.report.figures.map((figure) => [figure.metric, figure]));
    for (const figure of second.report.figures) {
      expect(figure.instance).toEqual({ dimension: "Host", value: "probe-host" });
    }
    const a = first.proc;
    const b = second.proc;
    const seconds = (b.atMs - a.atMs) / 1000;
    const delta = (mode: string) => (b.cpu[mode] ?? 0) - (a.cpu[mode] ?? 0);
    const all = Object.keys(b.cpu).reduce((sum, mode) => sum + delta(mode), 0);
    const near = (metric: string, expected: number, tolerance: number): void => {
      const value = published[metric]?.value ?? Number.NaN;
      expect(Math.abs(value - expected), `${metric} ${value}, /proc says ${expected}`).toBeLessThan(
        tolerance,
      );
    };
    near("CpuBusy", (100 * (all - delta("idle") - delta("iowait"))) / all, 3);
    near("MemoryAvailable", (100 * b.memAvailable) / b.memTotal, 1);
    near("FilesystemFree", Math.min(...filesystemsFree(IGNORED_FSTYPES).map((fs) => fs.freePercent)), 0.5);
    const busiest = Math.max(
      ...Object.keys(b.ioSeconds).map((device) => (b.ioSeconds[device] ?? 0) - (a.ioSeconds[device] ?? 0)),
    );
    near("DiskBusy", (100 * busiest) / seconds, 3);
    for (const [metric, field] of [
      ["NetworkIn", "rx"],
      ["NetworkOut", "tx"],
    ] as const) {
      const bytes = Object.keys(b.network)
        .filter((device) => !IGNORED_INTERFACES.test(device))
        .reduce(
          (sum, device) => sum + (b.network[device]?.[field] ?? 0) - (a.network[device]?.[field] ?? 0),
          0,
        );
      near(metric, bytes / seconds, 2_048 + (bytes / seconds) * 0.05);
    }

    const datums = whiteboxDatums(second.report, "ci");
    expect(datums.find((datum) => datum.name === "CpuBusy")?.dimensions).toEqual([
      { name: "Component", value: "host" },
      { name: "Host", value: "probe-host" },
      { name: "Vantage", value: "ci" },
    ]);
    expect(datums.filter((datum) => datum.name === "SourceUp")).toEqual([
      {
        name: "SourceUp",
        unit: "None",
        value: 1,
        dimensions: [
          { name: "Component", value: "host" },
          { name: "Vantage", value: "ci" },
        ],
      },
    ]);
  });
});
