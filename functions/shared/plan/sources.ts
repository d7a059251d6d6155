/**
 * Which white-box pages a configuration reads: one source per URL, with its request options and
 * credential. The probe attaches each component's extractor; the alarms and the dashboard are
 * planned from the same list.
 */
import type { BasicAuth, Credential, MonitorConfig, TargetTls } from "../config/index.ts";
import type { SourceComponent } from "../metrics.ts";
import { joinUrl } from "../url.ts";

export type SourceAuth =
  | {
      readonly type: "basic";
      readonly username: string;
      readonly password: Credential;
      /** The config field of the credential, named in its errors. */
      readonly field: string;
    }
  | { readonly type: "bearer"; readonly token: Credential; readonly field: string };

export interface PlannedSource {
  readonly component: SourceComponent;
  readonly url: URL;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: TargetTls;
  readonly auth?: SourceAuth;
}

interface RequestScope {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
  readonly tls?: TargetTls | undefined;
}

interface SourceKind {
  readonly component: SourceComponent;
  /** The configuration that turns the source on, as the docs write it. */
  readonly configuredBy: string;
  /** Its URLs and how to read them; none when the configuration does not ask for it. */
  readonly read: (
    config: MonitorConfig,
  ) =>
    | { readonly urls: string | readonly string[]; readonly scope: RequestScope; readonly auth?: SourceAuth }
    | undefined;
}

const basic = (auth: BasicAuth | undefined, field: string): { auth?: SourceAuth } =>
  auth ? { auth: { type: "basic", username: auth.username, password: auth.password, field } } : {};

/** Every kind of source, in the order the probe reads and reports them. */
export const SOURCE_KINDS: readonly SourceKind[] = [
  {
    component: "livekit",
    configuredBy: "`targets.livekit.metricsUrl`",
    read: ({ targets: { livekit } }) =>
      livekit?.metricsUrl === undefined
        ? undefined
        : {
            urls: livekit.metricsUrl,
            scope: livekit.metrics ?? {},
            ...basic(livekit.metricsBasicAuth, "targets.livekit.metricsBasicAuth.password"),
          },
  },
  {
    component: "garage",
    configuredBy: "`targets.garage` (metrics not `false`)",
    read: ({ targets: { garage } }) => {
      if (!garage || garage.metrics === false) return undefined;
      const metrics = garage.metrics ?? {};
      // The default URL is the admin API itself, so the garage target's options apply to it.
      const scope: RequestScope =
        metrics.url === undefined
          ? {
              headers: metrics.headers ?? garage.headers,
              timeoutMs: metrics.timeoutMs ?? garage.timeoutMs,
              tls: metrics.tls ?? garage.tls,
            }
          : metrics;
      return {
        urls: metrics.url ?? joinUrl(garage.adminUrl, "/metrics").href,
        scope,
        ...(metrics.token
          ? { auth: { type: "bearer", token: metrics.token, field: "targets.garage.metrics.token" } }
          : {}),
      };
    },
  },
  {
    component: "backend",
    configuredBy: "`targets.backend.requests` (a scraped preset)",
    read: ({ targets: { backend } }) => {
      const requests = backend?.requests;
      if (!requests || requests.preset === "alb") return undefined;
      return {
        urls: requests.url,
        scope: requests,
        ...basic(requests.basicAuth, "targets.backend.requests.basicAuth.password"),
      };
    },
  },
  {
    component: "database",
    configuredBy: "`targets.database.exporterUrl`",
    read: ({ targets: { database } }) =>
      database?.exporterUrl === undefined
        ? undefined
        : {
            urls: database.exporterUrl,
            scope: database,
            ...basic(database.exporterBasicAuth, "targets.database.exporterBasicAuth.password"),
          },
  },
];

/** Every source the configuration asks for, one per URL (a URL listed twice is read once). */
export function planSources(config: MonitorConfig): PlannedSource[] {
  const sources: PlannedSource[] = [];
  const seen = new Set<string>();
  for (const kind of SOURCE_KINDS) {
    const read = kind.read(config);
    if (!read) continue;
    const urls = typeof read.urls === "string" ? [read.urls] : read.urls;
    for (const text of urls) {
      const url = new URL(text);
      const id = sourceId(kind.component, url);
      if (seen.has(id)) continue;
      seen.add(id);
      const { headers, timeoutMs, tls } = read.scope;
      sources.push({
        component: kind.component,
        url,
        timeoutMs: timeoutMs ?? config.probe.timeoutMs,
        ...(headers ? { headers } : {}),
        ...(tls ? { tls } : {}),
        ...(read.auth ? { auth: read.auth } : {}),
      });
    }
  }
  return sources;
}

/** A source's identity across cycles (its previous sample is kept under it). */
export function sourceId(component: SourceComponent, url: URL): string {
  return `${component} ${url.href}`;
}

/** The components with at least one source, in the order the probe reads them. */
export function sourceComponents(sources: readonly PlannedSource[]): SourceComponent[] {
  return SOURCE_KINDS.map((kind) => kind.component).filter((component) =>
    sources.some((source) => source.component === component),
  );
}

export function sourceKind(component: SourceComponent): SourceKind {
  const kind = SOURCE_KINDS.find((candidate) => candidate.component === component);
  if (!kind) throw new Error(`no source kind for ${component}`);
  return kind;
}
