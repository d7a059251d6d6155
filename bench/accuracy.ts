/**
 * Accuracy: a server (in its own process) waits a known 100 ms before its headers and measures on
 * its own clock how long it really waited and how long each connection lasted. Our node:http port,
 * a bare node:net client and blackbox_exporter probe it in turn (the order rotating), one at a
 * time, each request carrying an id so each measurement is compared with the server's truth for
 * that very exchange.
 *
 * Like with like: our Ttfb runs from the request handed to a ready connection to the first
 * response byte; blackbox's `processing` phase runs from GotConn (connection ready) to the first
 * response byte. Our total (DNS to last body byte) is compared with the server's
 * accept-to-response-written time, and so are blackbox's probe_duration_seconds and the sum of its
 * phases. A bare node:net client (./bare-client.ts) probes in the same rotation: its error is the
 * floor no Node.js client can go below, so ours minus its is our own work.
 */
import { createNodeHttp } from "../functions/probe/adapters/node-http.ts";
import { HEALTH_BODY_LIMIT } from "../functions/probe/checks/index.ts";
import { bareGet } from "./bare-client.ts";
import { type Blackbox, type BlackboxProbe, startBlackbox } from "./blackbox.ts";
import type { TruthRecord } from "./servers.ts";
import { type ErrorSummary, median, round, summarizeErrors } from "./stats.ts";
import { startTargets } from "./targets.ts";

export interface ToolAccuracy {
  /** Measured minus truth, ms. */
  readonly ttfbError: ErrorSummary;
  readonly totalError: ErrorSummary;
  readonly ttfbMedianMs: number;
  readonly totalMedianMs: number;
  readonly failures: number;
}

export interface AccuracyFigures {
  readonly probes: number;
  readonly delayMs: number;
  /** Idle time between two probes. */
  readonly pauseMs: number;
  /** The server's own view: median real wait and median connection lifetime. */
  readonly truthWaitMedianMs: number;
  readonly truthTotalMedianMs: number;
  readonly ours: ToolAccuracy;
  /** A bare node:net client: the floor of any Node.js client. */
  readonly bare: ToolAccuracy;
  readonly blackbox?: ToolAccuracy & {
    readonly version: string;
    /** Error of the sum of the exporter's phases (instead of probe_duration_seconds). */
    readonly phaseSumError: ErrorSummary;
  };
  readonly blackboxSkipped?: string;
}

interface Sample {
  readonly id: string;
  readonly ttfbMs?: number;
  readonly totalMs?: number;
  readonly phaseSumMs?: number;
  readonly ok: boolean;
}

export async function benchAccuracy(
  probes: number,
  delayMs: number,
  log: (line: string) => void,
  /** Idle time between two probes (0: back to back, the default). */
  pauseMs = 0,
): Promise<AccuracyFigures> {
  const targets = await startTargets({ truth: { delayMs } });
  let blackbox: Blackbox | undefined;
  let blackboxSkipped: string | undefined;
  try {
    blackbox = await startBlackbox();
  } catch (error) {
    blackboxSkipped = error instanceof Error ? error.message : String(error);
    log(`accuracy: blackbox_exporter skipped: ${blackboxSkipped}`);
  }
  const http = createNodeHttp();
  const base = `http://127.0.0.1:${targets.truthPort}/slow`;
  const ours = async (id: string): Promise<Sample> => {
    const exchange = await http.get({
      url: new URL(`${base}/${id}`),
      timeoutMs: 5_000,
      maxBodyBytes: HEALTH_BODY_LIMIT,
    });
    return {
      id,
      ok: exchange.response?.status === 200,
      ...(exchange.timings.ttfbMs === undefined ? {} : { ttfbMs: exchange.timings.ttfbMs }),
      totalMs: exchange.timings.totalMs,
    };
  };
  const bare = async (id: string): Promise<Sample> => {
    const sample = await bareGet(targets.truthPort ?? 0, `/slow/${id}`, 5_000);
    return { id, ...sample };
  };
  const theirs = async (box: Blackbox, id: string): Promise<Sample> => {
    const probe: BlackboxProbe = await box.probe(`${base}/${id}`);
    const sum = Object.values(probe.phases).reduce((a, b) => a + b, 0);
    return {
      id,
      ok: probe.success,
      ...(probe.phases.processing === undefined ? {} : { ttfbMs: probe.phases.processing }),
      totalMs: probe.durationMs,
      phaseSumMs: sum,
    };
  };

  try {
    // Warm-up (JIT, first connections), not measured.
    for (let i = 0; i < 20; i++) {
      await ours(`warm-o-${i}`);
      await bare(`warm-n-${i}`);
      if (blackbox) await theirs(blackbox, `warm-b-${i}`);
    }
    const oursSamples: Sample[] = [];
    const bareSamples: Sample[] = [];
    const theirSamples: Sample[] = [];
    // The order rotates from one round to the next, so no prober always follows the same one
    // (and the server's teardown of its connection, or the bench parsing its result).
    const box = blackbox;
    const rotation: (() => Promise<void>)[] = [
      async () => void oursSamples.push(await ours(`o-${oursSamples.length}`)),
      async () => void bareSamples.push(await bare(`n-${bareSamples.length}`)),
      ...(box ? [async () => void theirSamples.push(await theirs(box, `b-${theirSamples.length}`))] : []),
    ];
    for (let i = 0; i < probes; i++) {
      for (let turn = 0; turn < rotation.length; turn++) {
        await rotation[(i + turn) % rotation.length]?.();
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    const truth = new Map<string, TruthRecord>((await targets.truth()).map((record) => [record.id, record]));
    const measured = [...truth.values()].filter((record) => !record.id.startsWith("warm"));
    log(
      `accuracy: ${oursSamples.length} + ${bareSamples.length} + ${theirSamples.length} probes against a ${delayMs} ms server`,
    );
    const figures: AccuracyFigures = {
      probes,
      delayMs,
      pauseMs,
      truthWaitMedianMs: round(median(measured.map((r) => r.waitMs)), 3),
      truthTotalMedianMs: round(median(measured.map((r) => r.totalMs)), 3),
      ours: compare(oursSamples, truth),
      bare: compare(bareSamples, truth),
      ...(blackbox
        ? {
            blackbox: {
              ...compare(theirSamples, truth),
              version: blackbox.version,
              phaseSumError: summarizeErrors(
                errors(
                  theirSamples,
                  truth,
                  (s) => s.phaseSumMs,
                  (t) => t.totalMs,
                ),
              ),
            },
          }
        : {}),
      ...(blackboxSkipped === undefined ? {} : { blackboxSkipped }),
    };
    return figures;
  } finally {
    await blackbox?.stop();
    await targets.close();
  }
}

function errors(
  samples: readonly Sample[],
  truth: ReadonlyMap<string, TruthRecord>,
  measured: (sample: Sample) => number | undefined,
  actual: (record: TruthRecord) => number,
): number[] {
  const result: number[] = [];
  for (const sample of samples) {
    const record = truth.get(sample.id);
    const value = measured(sample);
    if (!sample.ok || record === undefined || value === undefined) continue;
    result.push(value - actual(record));
  }
  return result;
}

function compare(samples: readonly Sample[], truth: ReadonlyMap<string, TruthRecord>): ToolAccuracy {
  const ok = samples.filter((sample) => sample.ok);
  return {
    ttfbError: summarizeErrors(
      errors(
        samples,
        truth,
        (s) => s.ttfbMs,
        (t) => t.waitMs,
      ),
    ),
    totalError: summarizeErrors(
      errors(
        samples,
        truth,
        (s) => s.totalMs,
        (t) => t.totalMs,
      ),
    ),
    ttfbMedianMs: round(median(ok.flatMap((s) => (s.ttfbMs === undefined ? [] : [s.ttfbMs]))), 3),
    totalMedianMs: round(median(ok.flatMap((s) => (s.totalMs === undefined ? [] : [s.totalMs]))), 3),
    failures: samples.length - ok.length,
  };
}
