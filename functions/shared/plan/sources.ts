/**
 * Which white-box pages a configuration reads: one source per URL, with its request options and
 * credential. The probe attaches each kind's extractor; the alarms and the dashboard are planned
 * from the same list.
 */
import type { ProbeConfig, TargetTls } from "../config/index.ts";
import type { SourceComponent } from "../metrics.ts";
import { joinUrl } from "../url.ts";
import { LAYER_SOURCE_KINDS } from "./layer-sources.ts";
import {
  basic,
  entries,
  type RequestScope,
  type SourceAuth,
  type SourceFormat,
  type SourceInstance,
  type SourceKind,
  type SourceKindId,
} from "./source-kind.ts";

export type { SourceAuth, SourceFormat, SourceInstance, SourceKind, SourceKindId } from "./source-kind.ts";

export interface PlannedSource {
  readonly kind: SourceKindId;
  readonly component: SourceComponent;
  readonly format: SourceFormat;
  readonly url: URL;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: TargetTls;
  readonly auth?: SourceAuth;
  /** The host or bucket it stands for (its figures carry that dimension). */
  readonly instance?: SourceInstance;
}

/** Every kind of source, in the order the probe reads and reports them. */
export const SOURCE_KINDS: readonly SourceKind[] = [
  {
    id: "livekit",
    component: "livekit",
    format: "prometheus",
    configuredBy: "`targets.livekit.metricsUrl`",
    read: ({ targets: { livekit } }) =>
      entries(
        livekit?.metricsUrl,
        livekit?.metrics ?? {},
        basic(livekit?.metricsBasicAuth, "targets.livekit.metricsBasicAuth.password"),
      ),
  },
  {
    id: "garage",
    component: "garage",
    format: "prometheus",
    configuredBy: "`targets.garage` (metrics not `false`)",
    read: ({ targets: { garage } }) => {
      if (!garage || garage.metrics === false) return [];
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
      return entries(
        metrics.url ?? joinUrl(garage.adminUrl, "/metrics").href,
        scope,
        metrics.token
          ? { auth: { type: "bearer", token: metrics.token, field: "targets.garage.metrics.token" } }
          : {},
      );
    },
  },
  {
    id: "backend",
    component: "backend",
    format: "prometheus",
    configuredBy: "`targets.backend.requests` (a scraped preset)",
    read: ({ targets: { backend } }) => {
      const requests = backend?.requests;
      if (!requests || requests.preset === "alb") return [];
      return entries(
        requests.url,
        requests,
        basic(requests.basicAuth, "targets.backend.requests.basicAuth.password"),
      );
    },
  },
  {
    id: "database",
    component: "database",
    format: "prometheus",
    configuredBy: "`targets.database.exporterUrl`",
    read: ({ targets: { database } }) =>
      entries(
        database?.exporterUrl,
        database ?? {},
        basic(database?.exporterBasicAuth, "targets.database.exporterBasicAuth.password"),
      ),
  },
  // The guide's other layers (Redis, hosts, buckets, egress), after the original four.
  ...LAYER_SOURCE_KINDS,
];

/** Every source the configuration asks for, one per URL (a URL listed twice is read once). */
export function planSources(config: ProbeConfig): PlannedSource[] {
  const sources: PlannedSource[] = [];
  const seen = new Set<string>();
  for (const kind of SOURCE_KINDS) {
    for (const entry of kind.read(config)) {
      const url = new URL(entry.url);
      const id = sourceId(kind.id, url);
      if (seen.has(id)) continue;
      seen.add(id);
      const { headers, timeoutMs, tls } = entry.scope;
      sources.push({
        kind: kind.id,
        component: kind.component,
        format: kind.format,
        url,
        timeoutMs: timeoutMs ?? config.probe.timeoutMs,
        ...(headers ? { headers } : {}),
        ...(tls ? { tls } : {}),
        ...(entry.auth ? { auth: entry.auth } : {}),
        ...(entry.instance ? { instance: entry.instance } : {}),
      });
    }
  }
  return sources;
}

/** A source's identity across cycles (its previous sample is kept under it). */
export function sourceId(kind: SourceKindId, url: URL): string {
  return `${kind} ${url.href}`;
}

/** The components with at least one source, in the order the probe reads them. */
export function sourceComponents(sources: readonly PlannedSource[]): SourceComponent[] {
  return [...new Set(sourceKinds(sources).map((kind) => sourceKind(kind).component))];
}

/** The kinds with at least one source, in the order the probe reads them. */
export function sourceKinds(sources: readonly PlannedSource[]): SourceKindId[] {
  return SOURCE_KINDS.map((kind) => kind.id).filter((id) => sources.some((source) => source.kind === id));
}

export function sourceKind(id: SourceKindId): SourceKind {
  const kind = SOURCE_KINDS.find((candidate) => candidate.id === id);
  if (!kind) throw new Error(`no source kind ${id}`);
  return kind;
}
