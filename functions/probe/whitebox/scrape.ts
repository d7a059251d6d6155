/**
 * Reading one white-box source: one GET through the HTTP port (with its credential), checked to
 * be a usable Prometheus page, parsed, extracted, and turned into counter windows against the
 * source's previous sample. Never rejects: a source that cannot be read (refused, timeout, 401,
 * not a metrics page, credentials missing...) is a failed status with a secret-free reason, and
 * keeps its previous sample for the next cycle.
 */

import type { SourceComponent } from "../../shared/metrics.ts";
import { type SourceInstance, type SourceKindId, sourceId } from "../../shared/plan/sources.ts";
import { type CredentialResolver, scrub } from "../credentials.ts";
import { type RunControl, safeGet, WATCHDOG_SLACK_MS, withinBudget, withTimeout } from "../guard.ts";
import type { HttpPort } from "../http.ts";
import { acceptFor, judgeScrape, maxBytesFor, readAnswer } from "./answer.ts";
import type { SourceReading } from "./figures.ts";
import type { SourceSpec } from "./specs.ts";
import { memoryOf, resetsOf, type SourceMemory, windowsOf } from "./windows.ts";

export { judgeScrape, MAX_JSON_BYTES, MAX_SCRAPE_BYTES } from "./answer.ts";

/** Reading a secret (Secrets Manager, first cycle of a container) may take this long at most. */
export const CREDENTIAL_TIMEOUT_MS = 10_000;

/** The previous sample of every source, kept across cycles by --watch and warm Lambda containers. */
export interface WhiteboxState {
  readonly memory: Map<string, SourceMemory>;
}

export function createWhiteboxState(): WhiteboxState {
  return { memory: new Map() };
}

export interface ScrapeDependencies {
  readonly http: HttpPort;
  readonly credentials: CredentialResolver;
  readonly state: WhiteboxState;
  /** When each scrape completed, in ms since the epoch: the rate windows. @default Date.now */
  readonly clock?: () => number;
}

export interface SourceStatus {
  readonly source: SourceComponent;
  readonly kind: SourceKindId;
  /** The host or bucket it stands for. */
  readonly instance?: SourceInstance;
  readonly url: string;
  readonly ok: boolean;
  /** Why it could not be read. */
  readonly reason?: string;
  readonly notes?: readonly string[];
  readonly httpStatus?: number;
  readonly durationMs: number;
  /** Samples in the page (Prometheus pages only). */
  readonly samples?: number;
  /** No previous sample of this source: its rates start with the next cycle. */
  readonly firstSample?: boolean;
}

export interface SourceResult {
  readonly spec: SourceSpec;
  readonly status: SourceStatus;
  readonly reading?: SourceReading;
}

/** Reads one source within its budget: the credential read, its timeout and the watchdog slack. */
export function scrapeSource(spec: SourceSpec, dependencies: ScrapeDependencies): Promise<SourceResult> {
  const budgetMs = (spec.auth ? CREDENTIAL_TIMEOUT_MS : 0) + spec.timeoutMs + WATCHDOG_SLACK_MS;
  const started = performance.now();
  return withinBudget(
    budgetMs,
    (control) => readSource(spec, dependencies, control, started),
    () => failed(spec, started, `did not finish within its ${budgetMs} ms budget (monitor fault)`),
  );
}

/** Milliseconds since `started`, to 0.1 ms like the checks' phase timings. */
function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function statusBase(spec: SourceSpec): Pick<SourceStatus, "source" | "kind" | "instance" | "url"> {
  return {
    source: spec.component,
    kind: spec.kind,
    ...(spec.instance ? { instance: spec.instance } : {}),
    url: spec.url.href,
  };
}

function failed(spec: SourceSpec, started: number, reason: string, httpStatus?: number): SourceResult {
  return {
    spec,
    status: {
      ...statusBase(spec),
      ok: false,
      reason,
      ...(httpStatus === undefined ? {} : { httpStatus }),
      durationMs: elapsedMs(started),
    },
  };
}

async function readSource(
  spec: SourceSpec,
  dependencies: ScrapeDependencies,
  control: RunControl,
  started: number,
): Promise<SourceResult> {
  const secrets: string[] = [];
  const clean = (text: string): string =>
    scrub(text, [...secrets, ...dependencies.credentials.knownValues()]);
  try {
    const authorization = await authorizationHeader(spec, dependencies.credentials, secrets);
    // Configured headers win over the default Accept; the credential wins over a configured Authorization.
    const headers: Record<string, string> = { accept: acceptFor(spec.reader) };
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value;
    if (authorization !== undefined) headers.authorization = authorization;
    const exchange = await safeGet(dependencies.http, {
      url: spec.url,
      headers,
      timeoutMs: spec.timeoutMs,
      maxBodyBytes: maxBytesFor(spec.reader),
      ...(spec.tls ? { tls: spec.tls } : {}),
    });
    const scrapedAtMs = (dependencies.clock ?? Date.now)();
    const problem = judgeScrape(exchange, spec.auth !== undefined, spec.reader.format);
    if (problem) {
      if (spec.auth && (problem.status === 401 || problem.status === 403)) {
        dependencies.credentials.invalidate(
          spec.auth.type === "basic" ? spec.auth.password : spec.auth.token,
        );
      }
      return failed(spec, started, clean(problem.reason), problem.status);
    }
    const answer = readAnswer(spec.reader, exchange.response?.body ?? "");
    if (!answer.ok) return failed(spec, started, clean(answer.reason), 200);
    const extracted = answer.result;
    if (!extracted.ok) return failed(spec, started, clean(extracted.error), 200);
    const { extraction } = extracted;
    if (control.abandoned) return failed(spec, started, "abandoned after its budget");

    const id = sourceId(spec.kind, spec.url);
    const previous = dependencies.state.memory.get(id);
    const windows = windowsOf(extraction, previous, scrapedAtMs);
    const notes = [...extraction.notes];
    const resets = resetsOf(windows);
    if (resets > 0) notes.push(`${resets} counter series reset since the last sample (process restarted)`);
    if (answer.duplicates > 0) {
      notes.push(`${answer.duplicates} repeated series ignored (the first sample of each is kept)`);
    }
    dependencies.state.memory.set(id, memoryOf(extraction, scrapedAtMs));
    const first = previous === undefined;
    const hasSeries =
      Object.keys(extraction.counters).length > 0 || Object.keys(extraction.histograms ?? {}).length > 0;
    return {
      spec,
      status: {
        ...statusBase(spec),
        ok: true,
        ...(notes.length > 0 ? { notes: notes.map(clean) } : {}),
        httpStatus: 200,
        durationMs: elapsedMs(started),
        ...(answer.samples === undefined ? {} : { samples: answer.samples }),
        ...(first && hasSeries ? { firstSample: true } : {}),
      },
      reading: { extraction, windows: windows.counters, histograms: windows.histograms, first },
    };
  } catch (error) {
    // Credential errors are written to be shown; anything else is a bug, shown without detail.
    const message = error instanceof Error ? error.message : String(error);
    return failed(spec, started, clean(message));
  }
}

async function authorizationHeader(
  spec: SourceSpec,
  credentials: CredentialResolver,
  secrets: string[],
): Promise<string | undefined> {
  const { auth } = spec;
  if (!auth) return undefined;
  const credential = auth.type === "basic" ? auth.password : auth.token;
  const value = await withTimeout(
    credentials.resolve(credential, auth.field),
    CREDENTIAL_TIMEOUT_MS,
    `${auth.field}: reading the credential took more than ${CREDENTIAL_TIMEOUT_MS} ms`,
  );
  secrets.push(value);
  if (auth.type === "bearer") return `Bearer ${value}`;
  const encoded = Buffer.from(`${auth.username}:${value}`, "utf8").toString("base64");
  secrets.push(encoded);
  return `Basic ${encoded}`;
}
