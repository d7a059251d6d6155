/**
 * `npm run maintenance -- start --minutes 60 [--components backend,livekit] [--reason TEXT]`
 * `npm run maintenance -- list`
 * `npm run maintenance -- end NAME`
 *
 * One-time maintenance windows: `start` mutes the notifications of the components' alarms from
 * the next minute for that long (a CloudWatch alarm mute rule with an at() schedule, so nobody has
 * to remember to unmute), `list` shows the active and scheduled windows that mute the stack's
 * alarms (the recurring ones of the configuration too), `end` removes a one-time window early.
 * The alarms come from the outputs file `cdk deploy --outputs-file` writes (`npm run deploy`
 * writes cdk-outputs.json); the monitor's own alarms are never muted.
 */
import { parseArgs } from "node:util";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { MAX_MUTE_MINUTES } from "../functions/shared/config/maintenance.ts";
import { describeSdkError, errorMessage } from "../functions/shared/errors.ts";
import { COMPONENTS } from "../functions/shared/metrics.ts";
import { componentOfOutput, OUTPUTS } from "../functions/shared/stack-outputs.ts";
import { untrustedText } from "../functions/shared/text.ts";
import { type ParsedArgs as CommandArgs, processIo, runCommand } from "./command.ts";
import {
  endWindow,
  listWindows,
  type MuteRuleClient,
  type MuteRuleView,
  nextMinute,
  putOneTimeWindow,
} from "./mute-rules.ts";
import { DEFAULT_OUTPUTS_FILE, readStackOutputs } from "./stack-outputs.ts";

export const USAGE = `usage: npm run maintenance -- start --minutes N [--components a,b] [--reason TEXT] [--name NAME]
       npm run maintenance -- list
       npm run maintenance -- end NAME

Mutes the notifications of the monitor's alarms for a one-time maintenance window (a CloudWatch
alarm mute rule that ends by itself), lists the active and scheduled windows, or ends one early.
The monitor's own alarms (silent, consensus lost, function failing) are never muted.

  --minutes N              start: how long, 1 to ${MAX_MUTE_MINUTES} (15 days); muting starts at the next minute
  --components a,b         start: whose alarms (${COMPONENTS.join(", ")}; default: all)
  --reason TEXT            start: why, kept in the rule's description
  --name NAME              start: the rule's name after the stack's (default: maintenance-<start time>)
  --outputs-file FILE      written by \`cdk deploy --outputs-file\` (default: cdk-outputs.json)
  --stack NAME             the home stack in the outputs file (default: the one with the alarms)
`;

export type MaintenanceCommand =
  | {
      readonly action: "start";
      readonly minutes: number;
      readonly components?: readonly string[];
      readonly reason?: string;
      readonly name?: string;
    }
  | { readonly action: "list" }
  | { readonly action: "end"; readonly name: string };

export interface MaintenanceOptions {
  readonly command: MaintenanceCommand;
  readonly outputsFile: string;
  readonly stack?: string;
}

export type ParsedArgs = CommandArgs<MaintenanceOptions>;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The operator's own text (a window's reason) as one line of a rule's description: control
 * characters out, bounded; letters of any language kept. What CloudWatch sends back is shown
 * through untrustedText instead.
 */
export function oneLine(text: string, max = 200): string {
  return text
    .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .trim()
    .slice(0, max);
}

export function parseMaintenanceArgs(args: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        minutes: { type: "string" },
        components: { type: "string" },
        reason: { type: "string" },
        name: { type: "string" },
        "outputs-file": { type: "string" },
        stack: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { error: errorMessage(error) };
  }
  if (values.help) return { help: true };
  const [action, ...rest] = positionals;
  const common = {
    outputsFile: typeof values["outputs-file"] === "string" ? values["outputs-file"] : DEFAULT_OUTPUTS_FILE,
    ...(typeof values.stack === "string" ? { stack: values.stack } : {}),
  };
  const startOnly = ["minutes", "components", "reason", "name"].filter((flag) => values[flag] !== undefined);
  if (action !== "start" && startOnly.length > 0) {
    return { error: `${startOnly.map((flag) => `--${flag}`).join(", ")} only go with start` };
  }
  if (action === "list" && rest.length === 0) return { options: { command: { action: "list" }, ...common } };
  if (action === "end" && rest.length === 1 && rest[0] !== undefined) {
    return { options: { command: { action: "end", name: rest[0] }, ...common } };
  }
  if (action !== "start" || rest.length > 0) {
    return {
      error: action === undefined ? "say start, list or end" : `unexpected "${positionals.join(" ")}"`,
    };
  }
  const errors: string[] = [];
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MUTE_MINUTES) {
    errors.push(
      `--minutes must be a whole number from 1 to ${MAX_MUTE_MINUTES}, not "${String(values.minutes ?? "")}"`,
    );
  }
  const components =
    typeof values.components === "string"
      ? values.components.split(",").map((part) => part.trim())
      : undefined;
  const unknown = components?.filter((component) => !(COMPONENTS as readonly string[]).includes(component));
  if (unknown && unknown.length > 0) {
    errors.push(`--components: ${unknown.join(", ")} is not one of ${COMPONENTS.join(", ")}`);
  }
  const name = typeof values.name === "string" ? values.name : undefined;
  if (name !== undefined && !NAME.test(name)) {
    errors.push("--name may only contain letters, digits, '-' and '_' (64 at most)");
  }
  if (errors.length > 0) return { error: errors.join("\n") };
  return {
    options: {
      command: {
        action: "start",
        minutes,
        ...(components ? { components } : {}),
        ...(typeof values.reason === "string" ? { reason: oneLine(values.reason, 500) } : {}),
        ...(name ? { name } : {}),
      },
      ...common,
    },
  };
}

export interface StackAlarms {
  readonly stack: string;
  readonly region: string;
  /** Alarm names by component, as the stack's AlarmsOf<Component> outputs list them. */
  readonly byComponent: Readonly<Record<string, readonly string[]>>;
}

export async function readStackAlarms(
  options: Pick<MaintenanceOptions, "outputsFile" | "stack">,
  read?: (path: string) => Promise<string>,
): Promise<{ ok: true; alarms: StackAlarms } | { ok: false; error: string }> {
  const found = await readStackOutputs(options.outputsFile, options.stack, read, OUTPUTS.alarmRegion);
  if (!found.ok) return found;
  const region = found.outputs[OUTPUTS.alarmRegion];
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    return {
      ok: false,
      error: `stack "${found.stack}" in ${options.outputsFile} has no ${OUTPUTS.alarmRegion} output: deploy this version of the monitor first`,
    };
  }
  const byComponent: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(found.outputs)) {
    const component = componentOfOutput(key);
    if (component !== undefined && typeof value === "string" && value !== "") {
      byComponent[component] = value.split(",");
    }
  }
  return { ok: true, alarms: { stack: found.stack, region, byComponent } };
}

export interface MaintenanceDependencies {
  /** @default a CloudWatchClient in the stack's home region (standard AWS environment and credentials) */
  readonly client?: MuteRuleClient;
  readonly now?: () => Date;
  readonly readFile?: (path: string) => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function minuteText(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function describeWindow(rule: MuteRuleView, components: (alarm: string) => string): string {
  const muted = [...new Set(rule.alarmNames.map(components))].join(", ");
  const until = rule.expires ? `, expires ${minuteText(rule.expires)}` : "";
  return [
    `${untrustedText(rule.name)}  ${rule.status} ${rule.type === "ONE_TIME" ? "one-time" : "recurring"}`,
    `  ${untrustedText(rule.expression)} (${untrustedText(rule.timezone)}) for ${untrustedText(rule.duration)}${until}`,
    `  mutes ${rule.alarmNames.length} alarm${rule.alarmNames.length === 1 ? "" : "s"} of ${muted}`,
    ...(rule.description ? [`  ${untrustedText(rule.description, 300)}`] : []),
  ].join("\n");
}

export async function runMaintenance(
  args: readonly string[],
  dependencies: MaintenanceDependencies,
): Promise<number> {
  return runCommand(parseMaintenanceArgs(args), USAGE, dependencies, (options) => run(options, dependencies));
}

async function run(options: MaintenanceOptions, dependencies: MaintenanceDependencies): Promise<number> {
  const { command } = options;
  const stackAlarms = await readStackAlarms(options, dependencies.readFile);
  if (!stackAlarms.ok) {
    dependencies.stderr(`${stackAlarms.error}\n`);
    return 2;
  }
  const { stack, region, byComponent } = stackAlarms.alarms;
  const allAlarms = Object.values(byComponent).flat();
  const componentOf = (alarm: string): string =>
    Object.entries(byComponent).find(([, names]) => names.includes(alarm))?.[0] ?? "?";
  const client = dependencies.client ?? new CloudWatchClient({ region, maxAttempts: 3 });
  const operation = {
    start: "PutAlarmMuteRule",
    list: "ListAlarmMuteRules/GetAlarmMuteRule",
    end: "GetAlarmMuteRule/DeleteAlarmMuteRule",
  }[command.action];
  try {
    if (command.action === "list") {
      const windows = await listWindows(client, allAlarms);
      dependencies.stdout(
        windows.length === 0
          ? `No active or scheduled maintenance window mutes the alarms of ${stack} in ${region}.\n`
          : `${windows.map((window) => describeWindow(window, componentOf)).join("\n\n")}\n`,
      );
      return 0;
    }
    if (command.action === "end") {
      const outcome = await endWindow(client, command.name, allAlarms);
      if (!outcome.ended) {
        dependencies.stderr(`Nothing ended: ${outcome.reason}.\n`);
        return 1;
      }
      dependencies.stdout(
        `Ended ${command.name}: the ${outcome.rule.alarmNames.length} alarms it muted notify again (one still in ALARM notifies now).\n`,
      );
      return 0;
    }
    const components = command.components ?? Object.keys(byComponent);
    const missing = components.filter((component) => byComponent[component] === undefined);
    if (missing.length > 0) {
      dependencies.stderr(`${stack} has no alarm of ${missing.join(", ")}: nothing to mute there.\n`);
      return 2;
    }
    const alarmNames = components.flatMap((component) => byComponent[component] ?? []);
    const start = nextMinute(dependencies.now?.() ?? new Date());
    const end = new Date(start.getTime() + command.minutes * 60_000);
    const name = `${stack}-${command.name ?? `maintenance-${start.toISOString().slice(0, 16).replace(/[-:]/g, "")}`}`;
    const names = await putOneTimeWindow(client, {
      name,
      start,
      minutes: command.minutes,
      alarmNames,
      description: oneLine(
        `One-time maintenance window of ${stack} (npm run maintenance) for ${components.join(", ")}${command.reason ? `: ${command.reason}` : ""}`,
        1024,
      ),
    });
    dependencies.stdout(
      [
        `Muting ${alarmNames.length} alarms of ${components.join(", ")} from ${minuteText(start)} to ${minuteText(end)} (${names.join(", ")}).`,
        "They still change state; their notifications resume by themselves at the end, and an alarm still in ALARM then notifies.",
        `End it early: npm run maintenance -- end ${names[0] ?? name}`,
        "",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    dependencies.stderr(`${describeSdkError(operation, error)} (region ${region})\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runMaintenance(process.argv.slice(2), processIo);
}
