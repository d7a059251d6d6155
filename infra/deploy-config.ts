/**
 * The configuration as the CDK app needs it: the shared schema (loadConfigFile) plus the checks
 * that only matter once the probe runs in Lambda, reported together so the operator fixes every
 * problem in one go; and the part of the config that is bundled with the function.
 */
import { readFile } from "node:fs/promises";
import { loadConfigFile } from "../functions/shared/config/file.ts";
import type { ConfigIssue, MonitorConfig } from "../functions/shared/config/index.ts";
import { isRecord } from "../functions/shared/errors.ts";
import { planAlarms, planChecks } from "../functions/shared/plan/index.ts";

export type DeployConfigResult =
  | { readonly ok: true; readonly config: MonitorConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly warnings: readonly string[] };

const CREDENTIAL_FIELDS = new Set(["secretArn", "secretJsonKey", "env", "file"]);
/** Records whose keys are the operator's own names (headers, label matches), never credentials or URLs. */
const OPAQUE_RECORDS = new Set(["headers", "match"]);
/** Host suffixes that only resolve inside a private network. */
const PRIVATE_DNS_SUFFIXES = [
  ".internal",
  ".local",
  ".lan",
  ".localdomain",
  ".svc",
  ".cluster.local",
  ".home.arpa",
];

export async function loadDeployConfig(path: string): Promise<DeployConfigResult> {
  const schema = await loadConfigFile(path);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch {
    // Unreadable or not JSON: loadConfigFile has already said so.
    raw = undefined;
  }
  const deploy = deployChecks(raw);
  const warnings = [...deploy.warnings];
  if (schema.ok) warnings.push(...configWarnings(schema.config));
  if (schema.ok && deploy.issues.length === 0) return { ok: true, config: schema.config, warnings };
  return { ok: false, issues: [...(schema.ok ? [] : schema.issues), ...deploy.issues], warnings };
}

/** A credential source found in the config's targets, with its dotted path. */
export interface FoundCredential {
  readonly path: string;
  readonly credential: Readonly<Record<string, unknown>>;
}

/**
 * Every credential source under `targets`, recognised by shape (an object made only of secretArn,
 * secretJsonKey, env and file) so that credential fields added later are found too. Works on the
 * raw JSON as well as on a parsed config.
 */
export function findCredentials(targets: unknown, path = "targets"): FoundCredential[] {
  if (!isRecord(targets)) return [];
  const keys = Object.keys(targets);
  if (keys.length > 0 && keys.every((key) => CREDENTIAL_FIELDS.has(key)))
    return [{ path, credential: targets }];
  return Object.entries(targets).flatMap(([key, value]) =>
    OPAQUE_RECORDS.has(key) || key === "tls" ? [] : findCredentials(value, `${path}.${key}`),
  );
}

/** The Secrets Manager ARNs the function must be allowed to read. */
export function secretArns(config: MonitorConfig): string[] {
  const arns = findCredentials(config.targets).flatMap(({ credential }) =>
    typeof credential.secretArn === "string" ? [credential.secretArn] : [],
  );
  return [...new Set(arns)].sort();
}

/** Every URL under `targets`, with its path. */
function findUrls(node: unknown, path: string): { path: string; url: URL }[] {
  if (typeof node === "string") {
    if (!/^https?:\/\//i.test(node)) return [];
    try {
      return [{ path, url: new URL(node) }];
    } catch {
      return [];
    }
  }
  if (Array.isArray(node)) return node.flatMap((item, index) => findUrls(item, `${path}[${index}]`));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    OPAQUE_RECORDS.has(key) ? [] : findUrls(value, `${path}.${key}`),
  );
}

/** Problems that only exist once the probe runs in Lambda. Defensive: the input is raw JSON. */
export function deployChecks(raw: unknown): { issues: ConfigIssue[]; warnings: string[] } {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  if (!isRecord(raw)) return { issues, warnings };
  const deployment = isRecord(raw.deployment) ? raw.deployment : {};
  const inVpc = deployment.vpc !== undefined;

  for (const { path, credential } of findCredentials(raw.targets)) {
    if (
      credential.secretArn === undefined &&
      (credential.env !== undefined || credential.file !== undefined)
    ) {
      issues.push({
        path,
        message:
          "the Lambda reads credentials from AWS Secrets Manager only: add secretArn (env and file work for the CLI alone)",
      });
    }
  }

  for (const { path, url } of findUrls(raw.targets, "targets")) {
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1") {
      issues.push({
        path,
        message: `${host} is the Lambda's own loopback: use an address of the service reachable from AWS`,
      });
    } else if (isPrivateAddress(host) && !inVpc) {
      issues.push({
        path,
        message: `${host} is a private address: the Lambda reaches it only inside your VPC (set deployment.vpc)`,
      });
    } else if (
      !inVpc &&
      (!host.includes(".") || PRIVATE_DNS_SUFFIXES.some((suffix) => host.endsWith(suffix)))
    ) {
      warnings.push(
        `${path}: ${host} looks like a private DNS name; outside a VPC the Lambda resolves public DNS only (set deployment.vpc if it is private)`,
      );
    }
  }
  return { issues, warnings };
}

/** Advice about a valid config: nothing here blocks a deployment. */
export function configWarnings(config: MonitorConfig): string[] {
  const warnings: string[] = [];
  for (const severity of ["critical", "warning"] as const) {
    const recipients = config.alerts[severity];
    if ((recipients?.emails?.length ?? 0) + (recipients?.urls?.length ?? 0) === 0) {
      warnings.push(
        `alerts.${severity}: no email or https subscriber: ${severity} alarms will notify nobody until someone subscribes to the topic`,
      );
    }
  }
  if (config.deployment.vpc && planChecks(config).some((check) => check.check === "turn-udp")) {
    warnings.push(
      "targets.livekit.join: the TURN checks send UDP; a Lambda in a VPC reaches the internet over UDP only through a NAT gateway (an HTTP proxy or VPC endpoint does not carry it): without one turn-udp fails; add one, or set targets.livekit.join.turn to false",
    );
  }
  const plan = planAlarms(config);
  for (const skipped of plan.skipped) {
    const override = config.alarms[skipped.id];
    if (skipped.reason === "not-configured" && override !== undefined) {
      warnings.push(
        `alarms.${skipped.id}: this alarm is not created (${skipped.detail}), the override has no effect`,
      );
    }
  }
  return warnings;
}

/**
 * What the function needs at run time: namespace, vantage, probe and targets. Alerts, alarms and
 * deployment stay out, and credentials keep only their Secrets Manager reference (env and file
 * name things on the operator's machine).
 */
export function lambdaConfig(config: MonitorConfig): Record<string, unknown> {
  const targets = structuredClone(config.targets) as unknown;
  for (const { credential } of findCredentials(targets)) {
    const mutable = credential as Record<string, unknown>;
    delete mutable.env;
    delete mutable.file;
  }
  return {
    namespace: config.namespace,
    ...(config.vantage === undefined ? {} : { vantage: config.vantage }),
    probe: config.probe,
    targets,
  };
}

function isPrivateAddress(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return (
      a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
    );
  }
  return /^f[cd][0-9a-f]{2}:/.test(host) || /^fe80:/.test(host);
}
