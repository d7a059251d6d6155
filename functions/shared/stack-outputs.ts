/** Stack output names: set by the stack, read by notify-test from `cdk deploy --outputs-file`. */
export const OUTPUTS = {
  criticalTopicArn: "CriticalTopicArn",
  warningTopicArn: "WarningTopicArn",
  dashboardUrl: "DashboardUrl",
  probeFunctionName: "ProbeFunctionName",
} as const;
