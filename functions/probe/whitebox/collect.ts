/**
 * The white-box half of a cycle: scrape every configured Prometheus source concurrently (each
 * bounded by its own timeout), parse, extract, and turn the pages into figures.
 *
 * Never rejects. A source that cannot be read (refused, timeout, 401, not a metrics page,
 * credentials missing...) yields a failed status with a secret-free reason, contributes nothing
 * to its figures that cycle, and keeps its previous sample for the next one.
 */
import type { BasicAuth, Credential, MonitorConfig, TargetTls } from "../../shared/config.ts";
import { FigureMetrics, SourceMetrics } from "../../shared/metrics.ts";
import { joinUrl } from "../checks.ts";
import { type CredentialResolver, scrub } from "../credentials.ts";
import { type Datum, datum } from "../datums.ts";
import type { HttpExchange, HttpPort } from "../http.ts";
import { parseExposition } from "../prometheus/parse.ts";
import {
  DJANGO_PROMETHEUS_METRIC,
  type Extractor,
  extractGarage,
  extractLivekit,
  extractPostgres,
  extractRequests,
  INGRESS_NGINX_METRIC,
  type RequestCounter,
} from "./extract.ts";
import {
  componentOf,
  computeFigure,
  FIGURE_RULES,
  type FigureValue,
  type MissingFigure,
  memoryOf,
  type SourceKind,
  type SourceMemory,
  type SourceReading,
  sourceWindows,
} from "./figures.ts";

export type { FigureValue, MissingFigure, SourceKind } from "./figures.ts";

/** Metrics pages are far bigger than health answers (ingress-nginx: histograms per path). */
export const MAX_SCRAPE_BYTES = 8 * 1024 * 1024;
/** Reading a secret (Secrets Manager, first cycle of a container) may take this long at most. */
export const CREDENTIAL_TIMEOUT_MS = 10_000;
const WATCHDOG_SLACK_MS = 2_000;
/** Ask for the classic text format: Prometheus clients negotiate OpenMetrics or protobuf otherwise. */
const ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

/** The previous sample of every source, kept across cycles by --watch and warm Lambda containers. */
export interface WhiteboxState {
  readonly memory: Map<string, SourceMemory>;
}

export function createWhiteboxState(): WhiteboxState {
  return { memory: new Map() };
}

export interface WhiteboxDependencies {
  readonly http: HttpPort;
  readonly credentials: CredentialResolver;
  readonly state: WhiteboxState;
  /** When each scrape completed, in ms since the epoch: the rate windows. @default Date.now */
  readonly clock?: () => number;
}

export type SourceAuth =
  | {
      readonly type: "basic";
      readonly username: string;
      readonly password: Credential;
      readonly field: string;
    }
  | { readonly type: "bearer"; readonly token: Credential; readonly field: string };

export interface SourceSpec {
  readonly kind: SourceKind;
  readonly url: URL;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: TargetTls;
  readonly auth?: SourceAuth;
  readonly extract: Extractor;
}

export interface SourceStatus {
  readonly source: SourceKind;
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

export interface WhiteboxReport {
  readonly sources: readonly SourceStatus[];
  readonly figures: readonly FigureValue[];
  readonly missing: readonly MissingFigure[];
}

interface ScrapeScope {
  readonly basic?: BasicAuth;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly tls?: TargetTls;
}

/** Every source the configuration asks for, one per URL, in a stable order. */
export function sourceSpecs(config: MonitorConfig): SourceSpec[] {
  const specs: SourceSpec[] = [];
  const seen = new Set<string>();
  const add = (
    kind: SourceKind,
    urls: string | readonly string[],
    scope: ScrapeScope,
    extract: Extractor,
    auth: (index: number) => SourceAuth | undefined,
  ): void => {
    const list = typeof urls === "string" ? [urls] : urls;
    list.forEach((text, index) => {
      const url = new URL(text);
      const id = sourceId(kind, url);
      if (seen.has(id)) return;
      seen.add(id);
      const authentication = auth(index);
      specs.push({
        kind,
        url,
        timeoutMs: scope.timeoutMs ?? config.probe.timeoutMs,
        ...(scope.headers ? { headers: scope.headers } : {}),
        ...(scope.tls ? { tls: scope.tls } : {}),
        ...(authentication ? { auth: authentication } : {}),
        extract,
      });
    });
  };
  const basic = (auth: BasicAuth | undefined, field: string) => (): SourceAuth | undefined =>
    auth ? { type: "basic", username: auth.username, password: auth.password, field } : undefined;

  const { backend, livekit, garage, database } = config.targets;
  if (livekit?.metricsUrl !== undefined) {
    add(
      "livekit",
      livekit.metricsUrl,
      livekit.metrics ?? {},
      extractLivekit,
      basic(livekit.metricsBasicAuth, "targets.livekit.metricsBasicAuth.password"),
    );
  }
  if (garage && garage.metrics !== false) {
    const metrics = garage.metrics ?? {};
    // The default URL is the admin API itself, so the garage target's options apply to it.
    const scope: ScrapeScope =
      metrics.url === undefined
        ? {
            headers: metrics.headers ?? garage.headers,
            timeoutMs: metrics.timeoutMs ?? garage.timeoutMs,
            tls: metrics.tls ?? garage.tls,
          }
        : metrics;
    const token = metrics.token;
    add("garage", metrics.url ?? joinUrl(garage.adminUrl, "/metrics").href, scope, extractGarage, () =>
      token ? { type: "bearer", token, field: "targets.garage.metrics.token" } : undefined,
    );
  }
  const requests = backend?.requests;
  if (requests && requests.preset !== "alb") {
    add(
      "backend",
      requests.url,
      requests,
      extractRequests(requestCounter(requests)),
      basic(requests.basicAuth, "targets.backend.requests.basicAuth.password"),
    );
  }
  if (database?.exporterUrl !== undefined) {
    add(
      "database",
      database.exporterUrl,
      database,
      extractPostgres,
      basic(database.exporterBasicAuth, "targets.database.exporterBasicAuth.password"),
    );
  }
  return specs;
}

type ScrapedRequests = Exclude<
  NonNullable<NonNullable<MonitorConfig["targets"]["backend"]>["requests"]>,
  { preset: "alb" }
>;

function requestCounter(requests: ScrapedRequests): RequestCounter {
  switch (requests.preset) {
    case "ingress-nginx":
      return {
        metric: INGRESS_NGINX_METRIC,
        statusLabel: "status",
        match: [
          ...(requests.ingress === undefined ? [] : [{ labels: ["ingress"], value: requests.ingress }]),
          // A Prometheus server renames the controller's `namespace` to `exported_namespace`.
          ...(requests.namespace === undefined
            ? []
            : [{ labels: ["exported_namespace", "namespace"], value: requests.namespace }]),
        ],
      };
    case "django-prometheus":
      return { metric: DJANGO_PROMETHEUS_METRIC, statusLabel: "status", match: [] };
    case "custom":
      return {
        metric: requests.metric,
        statusLabel: requests.statusLabel,
        match: Object.entries(requests.match ?? {}).map(([label, value]) => ({ labels: [label], value })),
      };
  }
}

export function sourceId(kind: SourceKind, url: URL): string {
  return `${kind} ${url.href}`;
}

/** Reads every source and computes the figures; undefined when no source is configured. */
export async function collectWhitebox(
  config: MonitorConfig,
  dependencies: WhiteboxDependencies,
): Promise<WhiteboxReport | undefined> {
  const specs = sourceSpecs(config);
  if (specs.length === 0) return undefined;
  const results = await Promise.all(specs.map((spec) => readWithinBudget(spec, dependencies)));

  const figures: FigureValue[] = [];
  const missing: MissingFigure[] = [];
  for (const kind of Object.keys(FIGURE_RULES) as SourceKind[]) {
    const ofKind = results.filter((result) => result.spec.kind === kind);
    if (ofKind.length === 0) continue;
    const readings = ofKind.flatMap((result) => (result.reading ? [result.reading] : []));
    for (const rule of FIGURE_RULES[kind]) {
      const outcome = computeFigure(rule, readings, ofKind.length);
      const component = componentOf(rule.metric);
      if (outcome.value === undefined) {
        missing.push({ component, metric: rule.metric, reason: outcome.reason });
      } else {
        figures.push({
          component,
          metric: rule.metric,
          unit: FigureMetrics[rule.metric].unit,
          value: outcome.value,
          sources: outcome.sources,
          of: ofKind.length,
        });
      }
    }
  }
  return { sources: results.map((result) => result.status), figures, missing };
}

/**
 * The figures as datums of the cycle, exactly per the metrics contract, then one `SourceUp` per
 * component with a source: without it an unreadable source would leave its figures' alarms
 * silently blind (they treat missing data as not breaching).
 */
export function whiteboxDatums(report: WhiteboxReport, vantage: string): Datum[] {
  const figures = report.figures.map((figure) =>
    datum(FigureMetrics[figure.metric], figure.value, { Component: figure.component, Vantage: vantage }),
  );
  const read = new Map<SourceKind, boolean>();
  for (const source of report.sources)
    read.set(source.source, (read.get(source.source) ?? true) && source.ok);
  const sourceUp = [...read].map(([component, ok]) =>
    datum(SourceMetrics.SourceUp, ok ? 1 : 0, { Component: component, Vantage: vantage }),
  );
  return [...figures, ...sourceUp];
}

interface SourceResult {
  readonly spec: SourceSpec;
  readonly status: SourceStatus;
  readonly reading?: SourceReading;
}

async function readWithinBudget(spec: SourceSpec, dependencies: WhiteboxDependencies): Promise<SourceResult> {
  const budgetMs = (spec.auth ? CREDENTIAL_TIMEOUT_MS : 0) + spec.timeoutMs + WATCHDOG_SLACK_MS;
  const started = performance.now();
  const control = { abandoned: false };
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<SourceResult>((resolve) => {
    timer = setTimeout(() => {
      control.abandoned = true;
      resolve(failed(spec, started, `did not finish within its ${budgetMs} ms budget (monitor fault)`));
    }, budgetMs);
  });
  try {
    return await Promise.race([readSource(spec, dependencies, control, started), overrun]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds since `started`, to 0.1 ms like the checks' phase timings. */
function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function failed(spec: SourceSpec, started: number, reason: string, httpStatus?: number): SourceResult {
  return {
    spec,
    status: {
      source: spec.kind,
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
  dependencies: WhiteboxDependencies,
  control: { abandoned: boolean },
  started: number,
): Promise<SourceResult> {
  const secrets: string[] = [];
  const clean = (text: string): string =>
    scrub(text, [...secrets, ...dependencies.credentials.knownValues()]);
  try {
    const authorization = await authorizationHeader(spec.auth, dependencies.credentials, secrets);
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

    const id = sourceId(spec.kind, spec.url);
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
        source: spec.kind,
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
  auth: SourceAuth | undefined,
  credentials: CredentialResolver,
  secrets: string[],
): Promise<string | undefined> {
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

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function safeGet(http: HttpPort, request: Parameters<HttpPort["get"]>[0]): Promise<HttpExchange> {
  try {
    return await http.get(request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      failure: { kind: "other", phase: "dns", message: `probe error: ${message}` },
      timings: { totalMs: 0 },
    };
  }
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
  if (status >= 300 && status < 400) {
    const location = response.headers.location?.replace(/[?#].*$/, "").slice(0, 200);
    return {
      status,
      reason: `redirect ${status} to ${location ?? "(no Location header)"} (not followed: use the final URL)`,
    };
  }
  if (status !== 200) return { status, reason: `HTTP ${status}, expected 200 and a metrics page` };
  if (response.bodyTruncated) {
    return { status, reason: `metrics page larger than ${MAX_SCRAPE_BYTES / 1024 / 1024} MiB: not read` };
  }
  const type = response.headers["content-type"] ?? "";
  if (/text\/html|application\/xhtml/i.test(type) || /^\s*<(!doctype|html|head|body)/i.test(response.body)) {
    return { status, reason: "got HTML, not a Prometheus metrics page: check the URL" };
  }
  if (/protobuf/i.test(type)) return { status, reason: `got ${type.slice(0, 80)}, expected the text format` };
  return undefined;
}
