/** The dashboard's grid (24 columns) and the helpers every section builds its panels with. */
import type { GraphWidget, HorizontalAnnotation, IMetric } from "aws-cdk-lib/aws-cloudwatch";
import type { AlarmId } from "../functions/shared/alarms.ts";
import type { CheckName, Component, MetricSpec } from "../functions/shared/metrics.ts";
import type { SourceInstance } from "../functions/shared/plan/index.ts";

export const FULL = 24;
export const HALF = 12;
export const THIRD = 8;

export interface GraphOptions {
  readonly right?: IMetric[];
  readonly width?: number;
  readonly stacked?: boolean;
  readonly annotations?: HorizontalAnnotation[];
}

/** What a section builder needs from the dashboard, so every panel looks and reads the same. */
export interface WidgetKit {
  /**
   * A contract metric for one period of a minute (the component's health check unless `check`; one
   * host's or bucket's with `instance`).
   */
  metric(
    spec: MetricSpec,
    statistic: string,
    component?: Component,
    check?: CheckName,
    label?: string,
    instance?: SourceInstance,
  ): IMetric;
  /** The configured threshold of an alarm, drawn on its panel (none when the alarm is off). */
  threshold(id: AlarmId, label: string): HorizontalAnnotation[];
  graph(title: string, left: IMetric[], options?: GraphOptions): GraphWidget;
}
