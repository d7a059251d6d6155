/**
 * Cold start: what a new Lambda container does before its first answer, in a fresh process with
 * the Lambda heap flags for the function's memory: require() of the bundle, then one invocation of
 * its handler. The probe runs the example config's three checks against loopback targets that
 * answer at once (so the figure is our own work, not a server's wait) and publishes its datums;
 * the baseline (the CloudWatch client alone) publishes one datum to the same local endpoint. The
 * two alternate, run by run, so a busy machine weighs on both alike.
 */

import { handlerEnvironment } from "./handler-env.ts";
import { type LambdaChildResult, runLambdaChild } from "./lambda.ts";
import { median, round } from "./stats.ts";
import type { BuiltFunction } from "./synth.ts";
import { startTargets } from "./targets.ts";

export interface ColdStartFigure {
  /** Medians over the runs, each in its own fresh process. */
  readonly importMs: number;
  readonly firstInvocationMs: number;
  /** Import plus first invocation, per run, then the median. */
  readonly totalMs: number;
  /** Checks down in the first invocations (0 expected: every target answers). */
  readonly down: number;
}

export interface ColdStartFigures {
  readonly runs: number;
  readonly targetsDelayMs: number;
  readonly ours: ColdStartFigure;
  readonly baseline: ColdStartFigure;
}

export async function benchColdStart(
  probe: BuiltFunction,
  baseline: BuiltFunction,
  options: { runs: number; memoryMb: number; nodeOptions?: string | undefined; dir: string },
): Promise<ColdStartFigures> {
  const targets = await startTargets({
    healthy: { count: 3, delayMs: 0, tlsIndexes: [1] },
    cloudwatch: true,
  });
  try {
    const env = await handlerEnvironment(targets, options.dir);
    const child = {
      memoryMb: options.memoryMb,
      env,
      ...(options.nodeOptions ? { nodeOptions: options.nodeOptions } : {}),
    };
    const ours: LambdaChildResult[] = [];
    const theirs: LambdaChildResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      ours.push(
        await runLambdaChild({ mode: "handler", bundle: probe.file, invocations: 1, pauseMs: 0 }, child),
      );
      theirs.push(
        await runLambdaChild({ mode: "handler", bundle: baseline.file, invocations: 1, pauseMs: 0 }, child),
      );
    }
    return { runs: options.runs, targetsDelayMs: 0, ours: figure(ours), baseline: figure(theirs) };
  } finally {
    await targets.close();
  }
}

function figure(results: readonly LambdaChildResult[]): ColdStartFigure {
  const first = (result: LambdaChildResult): number => result.invocations?.[0]?.wallMs ?? Number.NaN;
  return {
    importMs: round(median(results.map((result) => result.importMs)), 1),
    firstInvocationMs: round(median(results.map(first)), 1),
    totalMs: round(median(results.map((result) => result.importMs + first(result))), 1),
    down: results.reduce((sum, result) => sum + (result.invocations?.[0]?.down ?? 0), 0),
  };
}
