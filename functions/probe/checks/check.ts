/**
 * What a check is, whatever it talks to: a component and a check name (the metrics contract), the
 * address it shows, its deadline per attempt, and one attempt that yields a verdict and what was
 * measured. The cycle (../cycle.ts) adds the retry, the budget and the result.
 */
import type { CheckComponent, CheckName } from "../../shared/metrics.ts";
import type { HttpPort, PeerCertificate, PhaseTimings } from "../http.ts";

export type CheckStatus = "up" | "degraded" | "down";

export interface Verdict {
  readonly status: CheckStatus;
  /** Why it is degraded or down (or a note when up); short, specific and secret-free. */
  readonly reason?: string;
}

/** One attempt: its verdict and what it measured. */
export interface Attempt {
  readonly verdict: Verdict;
  readonly timings: PhaseTimings;
  readonly httpStatus?: number;
  readonly certificate?: PeerCertificate;
}

/** The I/O a check may use. */
export interface CheckPorts {
  readonly http: HttpPort;
}

export interface CheckSpec {
  readonly component: CheckComponent;
  readonly check: CheckName;
  /** The address shown in the table and the logs (the config refuses credentials and queries). */
  readonly url: string;
  /** Deadline of one attempt, every phase included. */
  readonly timeoutMs: number;
  /** Never rejects in practice; the cycle still turns a rejection into a down attempt. */
  attempt(ports: CheckPorts): Promise<Attempt>;
}
