/** Where and how the stack is deployed. */
import { z } from "zod";

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

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
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region such as eu-west-3" })
      .optional(),
    /**
     * Measured peak RSS of the bundled handler over 30 cycles with every white-box source: about
     * 130 MB (Node's source-map support off, as deployed). Lambda also gives CPU in proportion to
     * memory, and TLS handshakes and the timing phases need it.
     */
    memoryMb: z
      .number()
      .int()
      .min(256, { error: "must be at least 256 MB (a probe cycle peaks at about 130 MB, plus the runtime)" })
      .max(1024)
      .default(256),
    logRetentionDays: z
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        error: `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(30),
    /** Reserve a concurrency of 1 so runs never pile up; needs 11+ unreserved concurrency in the account. */
    singleConcurrency: z.boolean().default(true),
    /** Run the probe inside a VPC to reach private endpoints. */
    vpc: z
      .strictObject({
        subnetIds: z
          .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "must be a subnet id" }))
          .min(1)
          .max(16),
        securityGroupIds: z
          .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: "must be a security group id" }))
          .min(1)
          .max(5),
      })
      .optional(),
  })
  .prefault({});
