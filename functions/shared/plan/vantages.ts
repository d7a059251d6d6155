/**
 * Where the probes run: the vantages of a configuration, which one is at home, which one reads the
 * white-box sources, what each publishes, and how many must agree before a down alarm fires.
 */
import type { MetricsDetail, MonitorConfig, Vpc } from "../config/index.ts";

export interface PlannedVantage {
  /** The region the probe runs in; undefined: the home stack's own region, known at deploy time. */
  readonly region: string | undefined;
  /** Its Vantage dimension; undefined: the region the home stack is deployed to (AWS_REGION). */
  readonly name: string | undefined;
  /** Its probe is part of the home stack (otherwise a probe stack of its own). */
  readonly home: boolean;
  /**
   * Reads the white-box sources, and its metrics feed the alarms that are not consensus alarms
   * (figures, certificates, Garage degraded): the home vantage, or the first one listed.
   */
  readonly primary: boolean;
  readonly detail: MetricsDetail;
  readonly vpc?: Vpc;
}

export interface VantagePlan {
  /** The home region; undefined when the single stack is environment-agnostic. */
  readonly home: string | undefined;
  readonly vantages: readonly PlannedVantage[];
  /** The vantage whose metrics the plain alarms and the white-box panels read. */
  readonly primary: PlannedVantage;
  /** How many vantages must see a check down before its down alarm fires. */
  readonly minVantages: number;
  /** Several vantages: down alarms are consensus alarms, each vantage has its silence alarm. */
  readonly consensus: boolean;
}

/** A strict majority: 1 of 1, 2 of 2, 2 of 3, 3 of 4, 3 of 5. */
export function majority(vantages: number): number {
  return Math.floor(vantages / 2) + 1;
}

export function planVantages(config: MonitorConfig): VantagePlan {
  const { deployment } = config;
  const home = deployment.region;
  const listed: readonly { region: string | undefined; vpc?: Vpc | undefined }[] = deployment.vantages ?? [
    { region: home },
  ];
  const several = listed.length > 1;
  const primaryRegion = listed.some((entry) => entry.region === home) ? home : listed[0]?.region;
  const vantages = listed.map((entry): PlannedVantage => {
    const atHome = entry.region === home;
    const vpc = entry.vpc ?? (atHome ? deployment.vpc : undefined);
    return {
      region: entry.region,
      // One vantage keeps the configured name; several are told apart by their regions.
      name: several ? entry.region : (config.vantage ?? entry.region),
      home: atHome,
      primary: entry.region === primaryRegion,
      detail: config.metrics.detail ?? (!several || atHome ? "full" : "essential"),
      ...(vpc ? { vpc } : {}),
    };
  });
  const primary = vantages.find((vantage) => vantage.primary);
  if (!primary) throw new Error("a configuration has at least one vantage");
  return {
    home,
    vantages,
    primary,
    minVantages: config.alarms.consensus.minVantages ?? majority(vantages.length),
    consensus: several,
  };
}

/** The vantages' names, when they are known before deployment (always with several vantages). */
export function vantageNames(plan: VantagePlan): string[] {
  return plan.vantages.flatMap((vantage) => (vantage.name === undefined ? [] : [vantage.name]));
}
