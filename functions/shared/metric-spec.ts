/**
 * The vocabulary of the metrics contract: units, dimensions, components and the shape of a metric
 * spec. metrics.ts (the contract itself) re-exports all of it; the figure modules import it from
 * here so the contract can be assembled from several files without an import cycle.
 */

export const DEFAULT_NAMESPACE = "LaSuiteMeet";

/** CloudWatch units used by this monitor (a subset of CloudWatch's StandardUnit). */
export type MetricUnit =
  | "None"
  | "Count"
  | "Percent"
  | "Milliseconds"
  | "Seconds"
  | "Bytes"
  | "Count/Second"
  | "Bytes/Second";

/** `Host` and `Bucket` name one configured host or bucket among several of a component. */
export type DimensionName = "Component" | "Check" | "Vantage" | "Host" | "Bucket";
/** The dimensions that tell apart several instances of one component's figures. */
export type InstanceDimension = "Host" | "Bucket";

/** What a black-box check talks to. */
export type CheckComponent = "backend" | "livekit" | "garage";
/** Components whose figures come from white-box sources (Prometheus endpoints, AWS metrics). */
export type FigureComponent =
  | "backend"
  | "livekit"
  | "garage"
  | "database"
  | "recording"
  | "redis"
  | "host"
  | "egress";
export type Component = CheckComponent | FigureComponent;
/** Components whose white-box figures are read by the probe itself (Prometheus pages, JSON APIs). */
export type SourceComponent = "livekit" | "garage" | "backend" | "database" | "redis" | "host" | "egress";

/** Every component, for the configuration's lists of components (maintenance windows). */
export const COMPONENTS = [
  "backend",
  "livekit",
  "garage",
  "database",
  "recording",
  "redis",
  "host",
  "egress",
] as const;
/** Fails to compile when a component is added to the type and not to COMPONENTS. */
export type EveryComponentListed =
  Exclude<Component, (typeof COMPONENTS)[number]> extends never ? true : never;
const everyComponentListed: EveryComponentListed = true;
void everyComponentListed;

export const CHECK_DIMENSIONS = ["Component", "Check", "Vantage"] as const satisfies readonly DimensionName[];
export const FIGURE_DIMENSIONS = ["Component", "Vantage"] as const satisfies readonly DimensionName[];
/** A figure per configured host (node_exporter URL). */
export const HOST_DIMENSIONS = ["Component", "Host", "Vantage"] as const satisfies readonly DimensionName[];
/** A figure per configured Garage bucket. */
export const BUCKET_DIMENSIONS = [
  "Component",
  "Bucket",
  "Vantage",
] as const satisfies readonly DimensionName[];
export const MONITOR_DIMENSIONS = ["Vantage"] as const satisfies readonly DimensionName[];

export interface MetricSpec {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly dimensions: readonly DimensionName[];
  /** Which component publishes it; absent for monitor-wide metrics. */
  readonly component?: Component;
  readonly description: string;
}

export function spec<const S extends MetricSpec>(s: S): S {
  return s;
}

/** The instance dimension of a spec (Host or Bucket), if it has one. */
export function instanceDimension(metric: MetricSpec): InstanceDimension | undefined {
  return metric.dimensions.find((name): name is InstanceDimension => name === "Host" || name === "Bucket");
}
