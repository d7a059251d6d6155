/** The goals table's verdicts (bench/goals.ts), from figures given here: no machine involved. */
import { describe, expect, it } from "vitest";
import type { AccuracyFigures, ToolAccuracy } from "../../bench/accuracy.ts";
import type { CpuFigures } from "../../bench/cpu.ts";
import { goalChecks, goalsTable } from "../../bench/goals.ts";

function tool(medianMs: number, p99Ms: number): ToolAccuracy {
  const error = { n: 200, medianMs, p99Ms, minMs: 0.1, maxMs: p99Ms + 1 };
  return {
    ttfbError: error,
    totalError: error,
    ttfbMedianMs: 100 + medianMs,
    totalMedianMs: 101,
    failures: 0,
  };
}

function accuracy(ours: ToolAccuracy, bare: ToolAccuracy, blackbox: ToolAccuracy): AccuracyFigures {
  return {
    probes: 200,
    delayMs: 100,
    pauseMs: 0,
    truthWaitMedianMs: 100.35,
    truthTotalMedianMs: 100.6,
    ours,
    bare,
    blackbox: { ...blackbox, version: "0.23.0", phaseSumError: blackbox.totalError },
  };
}

function cpu(ours: number, blackbox: number | undefined): CpuFigures {
  const figure = (perProbeMs: number) => ({
    probes: 1500,
    cpuMs: perProbeMs * 1500,
    perProbeMs,
    failures: 0,
  });
  return {
    ours: { ...figure(ours), selfCpuMs: ours * 1500 },
    oursWithPublish: { ...figure(ours * 2), selfCpuMs: ours * 3000 },
    ...(blackbox === undefined ? {} : { blackbox: figure(blackbox) }),
  };
}

describe("goal 2, Ttfb error against blackbox_exporter's processing", () => {
  it("is met at or below blackbox's figure", () => {
    const [median, p99] = goalChecks(
      accuracy(tool(0.6, 1.5), tool(0.58, 1.4), tool(0.62, 1.6)),
      undefined,
      undefined,
    );
    expect([median?.met, p99?.met]).toEqual([true, true]);
  });

  it("is at the floor when even a bare node:net client is above blackbox in the same run", () => {
    const [median] = goalChecks(
      accuracy(tool(0.73, 1.5), tool(0.68, 1.4), tool(0.62, 1.6)),
      undefined,
      undefined,
    );
    expect(median?.met).toBe("floor");
    expect(median?.goal).toContain("bare node:net 0.68");
  });

  it("is not met when the bare client meets it and ours does not: that gap is our own work", () => {
    const [median] = goalChecks(
      accuracy(tool(0.73, 1.5), tool(0.6, 1.4), tool(0.62, 1.6)),
      undefined,
      undefined,
    );
    expect(median?.met).toBe(false);
  });
});

describe("goal 4, CPU per probe", () => {
  it("scales the 0.44 ms ceiling by blackbox_exporter's figure of the same run (0.91 ms there)", () => {
    const [check] = goalChecks(undefined, cpu(0.53, 1.187), undefined);
    expect(check?.limit).toBe("<= 0.574 (0.44 x 1.187/0.91)");
    expect(check?.met).toBe(true);
    expect(goalChecks(undefined, cpu(0.6, 1.187), undefined)[0]?.met).toBe(false);
  });

  it("keeps the ceiling as it is without blackbox_exporter", () => {
    const [check] = goalChecks(undefined, cpu(0.45, undefined), undefined);
    expect(check).toMatchObject({ limit: "<= 0.44", met: false, baseline: null });
  });
});

describe("the goals table", () => {
  it("says floor, yes and NO in its last column", () => {
    const checks = goalChecks(
      accuracy(tool(0.73, 1.3), tool(0.68, 1.4), tool(0.62, 1.6)),
      cpu(0.6, 1.187),
      undefined,
    );
    const rows = goalsTable(checks, { accuracy: 0.3 }).split("\n");
    expect(rows.find((row) => row.startsWith("2. Ttfb error median"))).toMatch(/floor$/);
    expect(rows.find((row) => row.startsWith("2. Ttfb error p99"))).toMatch(/yes$/);
    expect(rows.find((row) => row.startsWith("4. CPU"))).toMatch(/NO$/);
  });
});
