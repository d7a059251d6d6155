/** Who is notified: the subscribers of the critical and warning topics. */
import { z } from "zod";

const recipients = z.strictObject({
  emails: z
    .array(z.email({ error: "must be an email address" }))
    .max(50)
    .optional(),
  /** HTTPS endpoints subscribed to the topic (PagerDuty, Opsgenie SNS integrations). */
  urls: z
    .array(
      z.string().refine(
        (value) => {
          try {
            return new URL(value).protocol === "https:";
          } catch {
            return false;
          }
        },
        { error: "must be an https:// URL" },
      ),
    )
    .max(50)
    .optional(),
});

export const alertsSection = z
  .strictObject({ critical: recipients.optional(), warning: recipients.optional() })
  .prefault({});
