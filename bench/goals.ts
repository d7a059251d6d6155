/**
 * The goals of issue 13, checked against the figures of the same run: each with our figure, the
 * baseline's and whether it is met. Printed for the reader, never asserted: a busy machine moves
 * every figure, the verdict of a quiet run is the one that counts (the load averages are printed
 * with it).
 */
import { fileURLToPath } from "node:url";
import type { AccuracyFigures } from "./accuracy.ts";
import type { CpuFigures } from "./cpu.ts";
import type { DeploymentFigures } from "./deployment.ts";
import { round } from "./stats.ts";
import { table } from "./table.ts";

/**
 * The CPU per probe issue 13 keeps as a ceiling: main's figure in docs/performance.md, measured on
 * another machine, where blackbox_exporter took 0.91 ms (the top of the 0.65-0.91 ms the issue
 * quotes). On another machine the ceiling is scaled by blackbox_exporter's figure of the same run:
 * with the top of the range, the strictest scaling.
 */
export const CPU_PER_PROBE_CEILING_MS = 0.44;
export const CPU_CEILING_BLACKBOX_MS = 0.91;
/** The bundle and its import time, at most this many times the SDK-only baseline's. */
export const BUNDLE_RATIO_CEILING = 1.5;
/** That baseline: the CloudWatch client alone, publishing one datum. */
export const BASELINE_ENTRY = fileURLToPath(new URL("./entries/cloudwatch-only.ts", import.meta.url));

export interface GoalCheck {
  readonly goal: string;
  readonly ours: number;
  readonly baseline: number | null;
  readonly limit: string;
  /**
   * null: reported, no limit. "floor": not met, but a bare node:net client, which does no work
   * of its own between the write and the first byte, does not meet it either in the same run:
   * the goal's own escape clause (the Node.js floor).
   */
  readonly met: boolean | null | "floor";
}

export function ratio(ours: number, baseline: number): number {
  return round(ours / baseline, 2);
}

export function goalChecks(
  accuracy: AccuracyFigures | undefined,
  cpu: CpuFigures | undefined,
  deployment: DeploymentFigures | undefined,
): GoalCheck[] {
  const checks: GoalCheck[] = [];
  if (deployment) {
    const { bundle, coldStart } = deployment;
    const bytes = ratio(bundle.bytes, bundle.baseline.bytes);
    const importTime = ratio(bundle.importMs, bundle.baseline.importMs);
    checks.push(
      {
        goal: `1. bundle bytes (x${bytes} the baseline's)`,
        ours: bundle.bytes,
        baseline: bundle.baseline.bytes,
        limit: `<= x${BUNDLE_RATIO_CEILING}`,
        met: bytes <= BUNDLE_RATIO_CEILING,
      },
      {
        goal: `1. import ms (x${importTime} the baseline's)`,
        ours: bundle.importMs,
        baseline: bundle.baseline.importMs,
        limit: `<= x${BUNDLE_RATIO_CEILING}`,
        met: importTime <= BUNDLE_RATIO_CEILING,
      },
      {
        goal: `3. cold start ms, import + first invocation (x${ratio(coldStart.ours.totalMs, coldStart.baseline.totalMs)})`,
        ours: coldStart.ours.totalMs,
        baseline: coldStart.baseline.totalMs,
        limit: "reported",
        met: null,
      },
    );
  }
  if (accuracy?.blackbox) {
    const ours = accuracy.ours.ttfbError;
    const floor = accuracy.bare.ttfbError;
    const theirs = accuracy.blackbox.ttfbError;
    const judge = (mine: number, floorFigure: number, blackbox: number): GoalCheck["met"] => {
      if (mine <= blackbox) return true;
      return floorFigure > blackbox ? "floor" : false;
    };
    checks.push(
      {
        goal: `2. Ttfb error median ms (bare node:net ${floor.medianMs})`,
        ours: ours.medianMs,
        baseline: theirs.medianMs,
        limit: "<= blackbox's",
        met: judge(ours.medianMs, floor.medianMs, theirs.medianMs),
      },
      {
        goal: `2. Ttfb error p99 ms (bare node:net ${floor.p99Ms})`,
        ours: ours.p99Ms,
        baseline: theirs.p99Ms,
        limit: "<= blackbox's",
        met: judge(ours.p99Ms, floor.p99Ms, theirs.p99Ms),
      },
    );
  }
  if (cpu) {
    const blackbox = cpu.blackbox?.perProbeMs;
    const ceiling =
      blackbox === undefined
        ? CPU_PER_PROBE_CEILING_MS
        : round((CPU_PER_PROBE_CEILING_MS * blackbox) / CPU_CEILING_BLACKBOX_MS, 3);
    checks.push({
      goal:
        blackbox === undefined
          ? "4. CPU ms per probe"
          : `4. CPU ms per probe (x${ratio(cpu.ours.perProbeMs, blackbox)} blackbox_exporter's)`,
      ours: cpu.ours.perProbeMs,
      baseline: blackbox ?? null,
      limit:
        blackbox === undefined
          ? `<= ${CPU_PER_PROBE_CEILING_MS}`
          : `<= ${ceiling} (${CPU_PER_PROBE_CEILING_MS} x ${blackbox}/${CPU_CEILING_BLACKBOX_MS})`,
      met: cpu.ours.perProbeMs <= ceiling,
    });
  }
  return checks;
}

export function goalsTable(
  checks: readonly GoalCheck[],
  loadAverages: Readonly<Record<string, number>>,
): string {
  const load = Object.entries(loadAverages)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
  return table(
    `Goals of issue 13, this run (1-minute load average: ${load}; figures from a busy machine are not final)`,
    ["goal", "ours", "baseline", "limit", "met"],
    checks.map((check) => [
      check.goal,
      check.ours,
      check.baseline ?? "-",
      check.limit,
      check.met === null ? "-" : check.met === "floor" ? "floor" : check.met ? "yes" : "NO",
    ]),
  );
}
