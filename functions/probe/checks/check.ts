/**
 * What a check is, whatever it talks to: a component and a check name (the metrics contract), the
 * address it shows, its deadline per attempt, and one attempt that yields a verdict and what was
 * measured. The cycle (../cycle.ts) adds the retry, the budget, the order between a check and the
 * one whose output it needs, and the result.
 */
import type { CheckComponent, CheckMeasurementName, CheckName } from "../../shared/metrics.ts";
import type { CredentialResolver } from "../credentials.ts";
import type { HttpPort, PeerCertificate, PhaseTimings } from "../http.ts";
import type { StunPort, WebSocketPort } from "../sockets.ts";

export type CheckStatus = "up" | "degraded" | "down";

export interface Verdict {
  readonly status: CheckStatus;
  /** Why it is degraded or down (or a note when up); short, specific and secret-free. */
  readonly reason?: string;
}

/** A TURN (or STUN) server and the credentials to use it, as LiveKit hands them out. */
export interface IceServer {
  readonly urls: readonly string[];
  readonly username: string;
  readonly credential: string;
}

/** What a check hands to the checks that need it (never shown, logged or published). */
export type CheckOutput = { readonly kind: "iceServers"; readonly servers: readonly IceServer[] };

/** One attempt: its verdict and what it measured. */
export interface Attempt {
  readonly verdict: Verdict;
  readonly timings: PhaseTimings;
  readonly httpStatus?: number;
  readonly certificate?: PeerCertificate;
  /** The address actually checked, when the spec's `url` only says where it comes from. */
  readonly target?: string;
  /** Facts worth a log line (server version, region); short, printable and secret-free. */
  readonly info?: Readonly<Record<string, string>>;
  /** Measurements besides the timings, published with the check's dimensions. */
  readonly measurements?: Readonly<Partial<Record<CheckMeasurementName, number>>>;
  readonly output?: CheckOutput;
}

/** An attempt that found nothing to check this cycle: no result, no datum, a line saying why. */
export interface NotChecked {
  readonly notChecked: string;
}

/** The I/O a check may use. */
export interface CheckPorts {
  readonly http: HttpPort;
  readonly webSocket: WebSocketPort;
  readonly stun: StunPort;
  readonly credentials: CredentialResolver;
}

/** A check, by its place in the metrics contract. */
export interface CheckRef {
  readonly component: CheckComponent;
  readonly check: CheckName;
}

/** The outcome of the check another one runs after. */
export interface UpstreamOutcome {
  readonly status: CheckStatus;
  readonly output?: CheckOutput;
}

export interface AttemptContext {
  /** This attempt's deadline: the spec's, or less for a check that runs after another. */
  readonly timeoutMs: number;
  /** The final outcome of `after`, for a check that declares it. */
  readonly upstream?: UpstreamOutcome;
  /** Registers a value (token, credential) that must never appear in this check's output. */
  readonly redact: (value: string) => void;
}

export interface CheckSpec extends CheckRef {
  /** The address shown in the table and the logs (the config refuses credentials and queries). */
  readonly url: string;
  /** Deadline of one attempt, every phase included. */
  readonly timeoutMs: number;
  /**
   * A check whose output this one needs: it starts once that check has its result, within the
   * cycle's budget (a dependent check never lengthens the cycle).
   */
  readonly after?: CheckRef;
  /** Never rejects in practice; the cycle still turns a rejection into a down attempt. */
  attempt(ports: CheckPorts, context: AttemptContext): Promise<Attempt | NotChecked>;
}

export function isNotChecked(outcome: Attempt | NotChecked): outcome is NotChecked {
  return "notChecked" in outcome;
}
