/**
 * CloudWatch `Metric`s built from the metrics contract (functions/shared/metrics.ts): the names,
 * units and dimension lists come from the specs, never retyped here, so an alarm can only watch a
 * metric the probe actually publishes.
 */
import { Duration } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import {
  CHECK_NAME,
  type CheckComponent,
  type Component,
  type DimensionName,
  type MetricSpec,
} from "../functions/shared/metrics.ts";

export interface MetricContext {
  /** The configured namespace. */
  readonly namespace: string;
  /** The Vantage dimension the Lambda publishes with: config.vantage, or the stack's region (a token). */
  readonly vantage: string;
}

export interface MetricOptions {
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly label?: string;
}

/** The dimension values a spec needs, derived from the component (and its check, for check metrics). */
export function dimensionsFor(
  spec: MetricSpec,
  context: MetricContext,
  component?: Component,
): Record<DimensionName, string> | Partial<Record<DimensionName, string>> {
  const values: Partial<Record<DimensionName, string>> = {};
  for (const name of spec.dimensions) {
    if (name === "Vantage") values.Vantage = context.vantage;
    else if (name === "Component") {
      if (component === undefined) throw new Error(`${spec.name} needs a Component dimension`);
      values.Component = component;
    } else {
      if (component === undefined || !isCheckComponent(component)) {
        throw new Error(`${spec.name} needs a Check dimension: ${String(component)} has no black-box check`);
      }
      values.Check = CHECK_NAME[component];
    }
  }
  return values;
}

export function contractMetric(
  spec: MetricSpec,
  context: MetricContext,
  options: MetricOptions,
  component?: Component,
): Metric {
  const owner = component ?? spec.component;
  return new Metric({
    namespace: context.namespace,
    metricName: spec.name,
    dimensionsMap: dimensionsFor(spec, context, owner) as Record<string, string>,
    statistic: options.statistic,
    period: Duration.seconds(options.periodSeconds),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}

function isCheckComponent(component: Component): component is CheckComponent {
  return component in CHECK_NAME;
}
