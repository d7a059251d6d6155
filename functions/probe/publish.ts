/**
 * Publishing with a fallback: when PutMetricData still fails after the SDK's retries, the same
 * datums are written as EMF lines so they are not lost, and the outcome says it failed.
 */
import { describeSdkError } from "../shared/errors.ts";
import type { Datum } from "./datums.ts";
import { toEmfLines } from "./emf.ts";

export interface MetricsPublisher {
  /** Sends every datum with the cycle's timestamp; rejects when it could not. */
  publish(namespace: string, timestamp: Date, datums: readonly Datum[]): Promise<{ requests: number }>;
}

export type PublishOutcome =
  | { readonly ok: true; readonly requests: number; readonly datums: number }
  | { readonly ok: false; readonly error: string; readonly datums: number; readonly emfLines: number };

export async function publishWithFallback(
  publisher: MetricsPublisher,
  namespace: string,
  timestamp: Date,
  datums: readonly Datum[],
  writeLine: (line: string) => void,
): Promise<PublishOutcome> {
  try {
    const { requests } = await publisher.publish(namespace, timestamp, datums);
    return { ok: true, requests, datums: datums.length };
  } catch (error) {
    const lines = toEmfLines(namespace, timestamp, datums);
    for (const line of lines) writeLine(line);
    return {
      ok: false,
      error: describeSdkError("PutMetricData", error),
      datums: datums.length,
      emfLines: lines.length,
    };
  }
}
