/**
 * Two SNS topics, critical and warning, encrypted with a customer managed KMS key that CloudWatch
 * alarms may use, reachable over TLS only, with the email and https (PagerDuty, Opsgenie)
 * subscriptions of the config's `alerts` section.
 */
import { Aws, Duration, RemovalPolicy } from "aws-cdk-lib";
import { Effect, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { SubscriptionProtocol, Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription, UrlSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import type { Severity } from "../functions/shared/alarms.ts";
import type { MonitorConfig } from "../functions/shared/config/index.ts";

export const SEVERITIES: readonly Severity[] = ["critical", "warning"];

const CLOUDWATCH = "cloudwatch.amazonaws.com";

export interface NotificationsProps {
  readonly alerts: MonitorConfig["alerts"];
  /** Shown as the sender of the emails, e.g. "Meet critical". */
  readonly displayPrefix: string;
}

export class Notifications extends Construct {
  readonly key: Key;
  readonly topics: Readonly<Record<Severity, Topic>>;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);

    this.key = new Key(this, "Key", {
      description: "Encrypts the Meet monitor's alarm topics",
      enableKeyRotation: true,
      // Deleted with the stack after the shortest waiting period, so `cdk destroy` leaves no cost behind.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only when the key lets them (without this the
    // alarm history shows KMS AccessDenied and nobody is paged). Who may publish to the topics at
    // all is decided by the topic policies below, which are limited to this account's alarms.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsToUseTheKey",
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal(CLOUDWATCH)],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );

    const make = (severity: Severity): Topic => {
      const topic = new Topic(this, severity === "critical" ? "Critical" : "Warning", {
        displayName: `${props.displayPrefix} ${severity}`.slice(0, 100),
        masterKey: this.key,
        // Denies sns:Publish when aws:SecureTransport is false.
        enforceSSL: true,
      });
      // A topic policy replaces SNS's default one, so CloudWatch alarms must be allowed explicitly.
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: "AllowCloudWatchAlarmsOfThisAccount",
          effect: Effect.ALLOW,
          principals: [new ServicePrincipal(CLOUDWATCH)],
          actions: ["sns:Publish"],
          resources: [topic.topicArn],
          // The condition AWS documents for alarm notifications: alarms of this account and region only.
          conditions: {
            ArnLike: {
              "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
            },
          },
        }),
      );
      const recipients = props.alerts[severity];
      for (const email of recipients?.emails ?? []) topic.addSubscription(new EmailSubscription(email));
      for (const url of recipients?.urls ?? []) {
        // The SNS envelope (not raw delivery): PagerDuty's and Opsgenie's SNS integrations expect it.
        topic.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS }));
      }
      return topic;
    };
    this.topics = { critical: make("critical"), warning: make("warning") };
  }
}
