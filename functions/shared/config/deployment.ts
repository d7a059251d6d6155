/** Where and how the stacks are deployed: the home region and the regions that probe. */
import { z } from "zod";
import { EVERY_PASS, integer } from "./fields.ts";

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region such as eu-west-3" });

/** Subnets and security groups of one region: the probe reaches private endpoints through them. */
const vpc = z.strictObject({
  subnetIds: z
    .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "must be a subnet id" }))
    .min(1)
    .max(16),
  securityGroupIds: z
    .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: "must be a security group id" }))
    .min(1)
    .max(5),
});

/** A region that probes: its name, or the name and the VPC the probe runs in there. */
const vantage = z
  .union([region, z.strictObject({ region, vpc: vpc.optional() })], {
    error: 'must be a region name or { "region", "vpc"? }',
  })
  .transform((entry) => (typeof entry === "string" ? { region: entry } : entry));

/** At most as many vantages as a CloudWatch metric-math alarm reads metrics (10), with room to spare. */
export const MAX_VANTAGES = 8;

export const deploymentSection = z
  .strictObject({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: "must be a CloudFormation stack name" })
      .default("MeetMonitor"),
    /** Pin the stack to an account and region; otherwise it is environment-agnostic. */
    account: z
      .string()
      .regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" })
      .optional(),
    /** The home region: topics, alarms, dashboard and mute rules (required with `vantages`). */
    region: region.optional(),
    /**
     * The regions that probe, each publishing to the home region with its own Vantage. Default:
     * the home region alone (one stack, as without this field).
     */
    vantages: z.array(vantage).min(1).max(MAX_VANTAGES).optional(),
    /**
     * Measured peaks with the Lambda heap flags for 256 MB: the bundled handler about 100 MB, the
     * CLI with every white-box source 155 MB (docs/configuration.md). Lambda also gives CPU in
     * proportion to memory, and TLS handshakes and the timing phases need it.
     */
    memoryMb: integer()
      .min(256, { error: "must be at least 256 MB (a probe cycle peaks at 100 to 160 MB, plus the runtime)" })
      .max(1024)
      .default(256),
    logRetentionDays: z
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        error: `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(30),
    /**
     * Reserve a concurrency of 1 for the probe. Off by default: runs cannot pile up anyway (the
     * function's 58 s timeout and the schedule's 60 s maximum event age), and reserving fails the
     * deployment when the account's concurrency quota leaves less than Lambda's unreserved minimum
     * (100 for current accounts) once the 1 is taken.
     */
    singleConcurrency: z.boolean().default(false),
    /** Run the home region's probe inside a VPC to reach private endpoints. */
    vpc: vpc.optional(),
  })
  .superRefine((deployment, ctx) => {
    // Runs even when a field failed its own check: the values may still be raw input here.
    const vantages: unknown = deployment.vantages;
    if (!Array.isArray(vantages)) return;
    if (deployment.region === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        message:
          "is required with vantages: the probes of the other regions publish their metrics to the home region",
      });
    }
    const stackName = String(deployment.stackName ?? "");
    const seen = new Set<string>();
    for (const [index, raw] of vantages.entries()) {
      const entry: { region?: unknown; vpc?: unknown } =
        typeof raw === "string" ? { region: raw } : typeof raw === "object" && raw !== null ? raw : {};
      if (typeof entry.region !== "string") continue;
      if (seen.has(entry.region)) {
        ctx.addIssue({
          code: "custom",
          path: ["vantages", index],
          message: `${entry.region} is listed twice`,
        });
      }
      seen.add(entry.region);
      if (entry.region === deployment.region && entry.vpc !== undefined && deployment.vpc !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["vantages", index, "vpc"],
          message: "the home region's VPC is already deployment.vpc: set one of them",
        });
      }
      // Probe stacks are named <stackName>-<region>: CloudFormation allows 128 characters.
      if (entry.region !== deployment.region && stackName.length + entry.region.length + 1 > 128) {
        ctx.addIssue({
          code: "custom",
          path: ["stackName"],
          message: `is too long for the probe stack ${stackName}-${entry.region} (128 characters at most)`,
        });
      }
    }
  }, EVERY_PASS)
  .prefault({});

export type Vpc = z.output<typeof vpc>;
export type Vantage = z.output<typeof vantage>;
