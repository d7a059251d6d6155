/**
 * The stack's TEST alarms, one per severity, that `npm run notify-test` sets to ALARM so a real
 * notification goes the way every page goes (CloudWatch -> SNS with the stack's KMS key -> the
 * subscribers), then lets CloudWatch put back to OK. Their names and descriptions say TEST: the
 * notification keeps CloudWatch's own subject (`ALARM: "<name>" in <region>`), which pager
 * integrations read, and still cannot be mistaken for an outage.
 */
import type { Severity } from "./alarms.ts";

export function testAlarmName(prefix: string, severity: Severity): string {
  return `${prefix}-monitor-TEST-notify-${severity}`;
}

export function testAlarmDescription(severity: Severity): string {
  return `TEST alarm of \`npm run notify-test\` on the ${severity} topic: nothing is down. It never fires by itself (its rule, MonitorHeartbeat < 0, cannot be met); notify-test sets it to ALARM to send a real notification through CloudWatch, SNS and KMS, and CloudWatch puts it back to OK at its next evaluation, about a minute later, which resolves the test incident.`;
}
