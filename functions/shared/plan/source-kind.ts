/**
 * The shape of a white-box source kind: which configuration turns it on and which URLs it reads,
 * with their request options, credential and (for hosts and buckets) the instance they stand for.
 */
import type { BasicAuth, Credential, ProbeConfig, TargetTls } from "../config/index.ts";
import type { InstanceDimension, SourceComponent } from "../metrics.ts";

export type SourceKindId =
  | "livekit"
  | "garage"
  | "backend"
  | "database"
  | "redis"
  | "host"
  | "bucket"
  | "egress"
  | "egressHealth";

/** How a source's answer is read: a Prometheus text page, or a JSON document of an API. */
export type SourceFormat = "prometheus" | "json";

export type SourceAuth =
  | {
      readonly type: "basic";
      readonly username: string;
      readonly password: Credential;
      /** The config field of the credential, named in its errors. */
      readonly field: string;
    }
  | { readonly type: "bearer"; readonly token: Credential; readonly field: string };

/** The host or bucket a source stands for: its figures carry this dimension. */
export interface SourceInstance {
  readonly dimension: InstanceDimension;
  readonly value: string;
}

export interface RequestScope {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
  readonly tls?: TargetTls | undefined;
}

/** One URL a kind reads, and how. */
export interface SourceEntry {
  readonly url: string | URL;
  readonly scope: RequestScope;
  readonly auth?: SourceAuth;
  readonly instance?: SourceInstance;
}

export interface SourceKind {
  readonly id: SourceKindId;
  readonly component: SourceComponent;
  readonly format: SourceFormat;
  /** The configuration that turns the source on, as the docs write it. */
  readonly configuredBy: string;
  /** Its URLs and how to read them; none when the configuration does not ask for it. */
  readonly read: (config: ProbeConfig) => readonly SourceEntry[];
}

export const basic = (auth: BasicAuth | undefined, field: string): { auth?: SourceAuth } =>
  auth ? { auth: { type: "basic", username: auth.username, password: auth.password, field } } : {};

/** One entry per URL of a field that takes a URL or a list, all read the same way. */
export function entries(
  urls: string | readonly string[] | undefined,
  scope: RequestScope,
  auth: { auth?: SourceAuth } = {},
): SourceEntry[] {
  if (urls === undefined) return [];
  return (typeof urls === "string" ? [urls] : urls).map((url) => ({ url, scope, ...auth }));
}
