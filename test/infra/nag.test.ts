/**
 * cdk-nag's AwsSolutions pack on real stacks: zero findings that are not acknowledged, and every
 * acknowledgement carries a reason.
 */
import { App, Stack, Validations } from "aws-cdk-lib";
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDeployConfig } from "../../infra/deploy-config.ts";
import { AWS_SOURCES, EVERY_ALARM } from "./fixtures.ts";
import { cleanUp, type Synthesized, synth } from "./synth.ts";

let stacks: Record<string, Synthesized>;

beforeAll(async () => {
  const full = await loadDeployConfig("examples/full.json");
  const minimal = await loadDeployConfig("examples/minimal.json");
  if (!full.ok || !minimal.ok) throw new Error("the examples must be valid");
  stacks = {
    "every alarm": synth(EVERY_ALARM),
    "ALB, RDS and a secret": synth(AWS_SOURCES),
    "examples/full.json (VPC, secrets)": synth(full.config),
    "examples/minimal.json": synth(minimal.config),
  };
}, 120_000);
afterAll(cleanUp);

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe("cdk-nag AwsSolutions", () => {
  it("finds nothing unacknowledged in any configuration", () => {
    for (const [name, { stack }] of Object.entries(stacks)) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations, name).toEqual([]);
      expect(report.success, name).toBe(true);
    }
  });

  it("acknowledges only the IAM wildcard and the dead-letter queue's own missing DLQ, with a reason for each case", () => {
    const minimal = acknowledgements(stacks["examples/minimal.json"]?.stack as Stack);
    expect(minimal.map(({ path, id }) => ({ path, id }))).toEqual([
      {
        path: expect.stringMatching(/\/Probe\/Role$/),
        id: expect.stringContaining("AwsSolutions-IAM5[Resource::*]"),
      },
    ]);
    expect(minimal[0]?.reason).toContain("cloudwatch:namespace condition");
    expect(minimal[0]?.reason).not.toContain("VPC");
    const full = acknowledgements(stacks["examples/full.json (VPC, secrets)"]?.stack as Stack);
    expect(full.map(({ path, id }) => ({ path, id }))).toEqual([
      {
        path: expect.stringMatching(/\/Probe\/Role$/),
        id: expect.stringContaining("AwsSolutions-IAM5[Resource::*]"),
      },
      // The https subscriptions' dead-letter queue: only with an https subscriber (PagerDuty here).
      {
        path: expect.stringMatching(/\/Notifications\/UndeliveredPages$/),
        id: expect.stringContaining("AwsSolutions-SQS3"),
      },
    ]);
    expect(full[0]?.reason).toContain("cloudwatch:namespace condition");
    expect(full[0]?.reason).toContain("network-interface actions Lambda needs to run in a VPC");
    expect(full[1]?.reason).toContain("is itself a dead-letter queue");
  });

  it("does report findings: a topic without a TLS policy and an unacknowledged wildcard are flagged", () => {
    const stack = new Stack(new App(), "Bare");
    new Topic(stack, "Plain");
    new Role(stack, "Wide", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      inlinePolicies: {
        all: new PolicyDocument({
          statements: [new PolicyStatement({ actions: ["cloudwatch:PutMetricData"], resources: ["*"] })],
        }),
      },
    });
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(["AwsSolutions-SNS3", "AwsSolutions-IAM5[Resource::*]"]));
  });
});
