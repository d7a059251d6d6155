/**
 * Reading one white-box source: one GET through the HTTP port (with its credential), checked to
 * be a usable Prometheus page, parsed, extracted, and turned into counter windows against the
 * source's previous sample. Never rejects: a source that cannot be read (refused, timeout, 401,
 * not a metrics page, credentials missing...) is a failed status with a secret-free reason, and
 * keeps its previous sample for the next cycle.
 */

import type { SourceComponent } from "../../shared/metrics.ts";
import { sourceId } from "../../shared/plan/sources.ts";
import { looksLikeHtml, redirectText } from "../checks/http-check.ts";
import { type CredentialResolver, scrub } from "../credentials.ts";
import { type RunControl, safeGet, WATCHDOG_SLACK_MS, withinBudget, withTimeout } from "../guard.ts";
import type { HttpExchange, HttpPort } from "../http.ts";
import { parseExposition } from "../prometheus/parse.ts";
import { memoryOf, type SourceMemory, type SourceReading, sourceWindows } from "./figures.ts";
import type { SourceSpec } from "./specs.ts";

/** Metrics pages are far bigger than health answers (ingress-nginx: histograms per path). */
export const MAX_SCRAPE_BYTES = 8 * 1024 * 1024;
/** Reading a secret (Secrets Manager, first cycle of a container) may take this long at most. */
export const CREDENTIAL_TIMEOUT_MS = 10_000;
/** Ask for the classic text format: Prometheus clients negotiate OpenMetrics or protobuf otherwise. */
const ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

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
  readonly url: string;
  readonly ok: boolean;
  /** Why it could not be read. */
  readonly reason?: string;
  readonly notes?: readonly string[];
  readonly httpStatus?: number;
  readonly durationMs: number;
  /** Samples in the page. */
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

function failed(spec: SourceSpec, started: number, reason: string, httpStatus?: number): SourceResult {
  return {
    spec,
    status: {
      source: spec.component,
      url: spec.url.href,
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
    const headers: Record<string, string> = { accept: ACCEPT };
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value;
    if (authorization !== undefined) headers.authorization = authorization;
    const exchange = await safeGet(dependencies.http, {
      url: spec.url,
      headers,
      timeoutMs: spec.timeoutMs,
      maxBodyBytes: MAX_SCRAPE_BYTES,
      ...(spec.tls ? { tls: spec.tls } : {}),
    });
    const scrapedAtMs = (dependencies.clock ?? Date.now)();
    const problem = judgeScrape(exchange, spec.auth !== undefined);
    if (problem) {
      if (spec.auth && (problem.status === 401 || problem.status === 403)) {
        dependencies.credentials.invalidate(
          spec.auth.type === "basic" ? spec.auth.password : spec.auth.token,
        );
      }
      return failed(spec, started, clean(problem.reason), problem.status);
    }
    const body = exchange.response?.body ?? "";
    const parsed = parseExposition(body);
    if (!parsed.ok) {
      return failed(
        spec,
        started,
        `not a valid Prometheus text page: line ${parsed.line}: ${clean(parsed.error)}`,
        200,
      );
    }
    const extracted = spec.extract(parsed.exposition);
    if (!extracted.ok) return failed(spec, started, clean(extracted.error), 200);
    const { extraction } = extracted;
    if (control.abandoned) return failed(spec, started, "abandoned after its budget");

    const id = sourceId(spec.component, spec.url);
    const previous = dependencies.state.memory.get(id);
    const windows = sourceWindows(extraction, previous, scrapedAtMs);
    const notes = [...extraction.notes];
    const resets = Object.values(windows).reduce((sum, window) => sum + window.resets, 0);
    if (resets > 0) notes.push(`${resets} counter series reset since the last sample (process restarted)`);
    if (parsed.exposition.duplicates > 0) {
      notes.push(
        `${parsed.exposition.duplicates} repeated series ignored (the first sample of each is kept)`,
      );
    }
    dependencies.state.memory.set(id, memoryOf(extraction, scrapedAtMs));
    const first = previous === undefined;
    return {
      spec,
      status: {
        source: spec.component,
        url: spec.url.href,
        ok: true,
        ...(notes.length > 0 ? { notes: notes.map(clean) } : {}),
        httpStatus: 200,
        durationMs: elapsedMs(started),
        samples: parsed.exposition.samples.length,
        ...(first && Object.keys(extraction.counters).length > 0 ? { firstSample: true } : {}),
      },
      reading: { extraction, windows, first },
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

/** Why a scrape's answer cannot be used, or undefined when it can. Never quotes the body. */
export function judgeScrape(
  exchange: HttpExchange,
  sentCredentials: boolean,
): { reason: string; status?: number } | undefined {
  if (exchange.failure) return { reason: exchange.failure.message };
  const { response } = exchange;
  const status = response.status;
  if (status === 401 || status === 403) {
    return {
      status,
      reason: sentCredentials
        ? `HTTP ${status}: the endpoint refused the credentials`
        : `HTTP ${status}: the endpoint wants credentials (configure them for this source)`,
    };
  }
  const redirect = redirectText(response);
  if (redirect !== undefined) return { status, reason: `${redirect} (not followed: use the final URL)` };
  if (status !== 200) return { status, reason: `HTTP ${status}, expected 200 and a metrics page` };
  if (response.bodyTruncated) {
    return { status, reason: `metrics page larger than ${MAX_SCRAPE_BYTES / 1024 / 1024} MiB: not read` };
  }
  if (looksLikeHtml(response)) {
    return { status, reason: "got HTML, not a Prometheus metrics page: check the URL" };
  }
  const type = response.headers["content-type"] ?? "";
  if (/protobuf/i.test(type)) return { status, reason: `got ${type.slice(0, 80)}, expected the text format` };
  return undefined;
}
