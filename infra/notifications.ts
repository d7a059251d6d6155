/**
 * Two SNS topics, critical and warning, encrypted with a customer managed KMS key that CloudWatch
 * alarms may use, reachable over TLS only, with the email and https (PagerDuty, Opsgenie)
 * subscriptions of the config's `alerts` section. An https subscriber that is down is retried for
 * an hour, then the notification goes to an encrypted dead-letter queue (its alarm reports it).
 */
import { Aws, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { Effect, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { type DeliveryPolicy, SubscriptionProtocol, Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription, UrlSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Severity } from "../functions/shared/alarms.ts";
import type { MonitorConfig } from "../functions/shared/config/index.ts";

export const SEVERITIES: readonly Severity[] = ["critical", "warning"];

const CLOUDWATCH = "cloudwatch.amazonaws.com";
const SNS = "sns.amazonaws.com";

/**
 * How SNS retries an https subscriber (PagerDuty, Opsgenie) that does not answer 2xx: 3 retries
 * 20 s apart for a blip, then one a minute. SNS refuses a policy whose retries span more than
 * 3600 s (a hard limit, "Amazon SNS message delivery retries"): these span exactly 3600 s.
 */
export const HTTPS_RETRIES = {
  minDelaySeconds: 20,
  minDelayRetries: 3,
  maxDelaySeconds: 60,
  maxDelayRetries: 59,
} as const;

/** The retry span of HTTPS_RETRIES: no immediate retries and no backoff phase, so a plain sum. */
export const HTTPS_RETRY_SPAN_SECONDS =
  HTTPS_RETRIES.minDelayRetries * HTTPS_RETRIES.minDelaySeconds +
  HTTPS_RETRIES.maxDelayRetries * HTTPS_RETRIES.maxDelaySeconds;

const HTTPS_DELIVERY_POLICY: DeliveryPolicy = {
  healthyRetryPolicy: {
    numRetries: HTTPS_RETRIES.minDelayRetries + HTTPS_RETRIES.maxDelayRetries,
    numNoDelayRetries: 0,
    numMinDelayRetries: HTTPS_RETRIES.minDelayRetries,
    minDelayTarget: Duration.seconds(HTTPS_RETRIES.minDelaySeconds),
    maxDelayTarget: Duration.seconds(HTTPS_RETRIES.maxDelaySeconds),
    numMaxDelayRetries: HTTPS_RETRIES.maxDelayRetries,
    // No backoff phase (every retry is a min- or a max-delay one), so no backoff function.
  },
};

export interface NotificationsProps {
  readonly alerts: MonitorConfig["alerts"];
  /** Shown as the sender of the emails, e.g. "Meet critical". */
  readonly displayPrefix: string;
}

export class Notifications extends Construct {
  readonly key: Key;
  readonly topics: Readonly<Record<Severity, Topic>>;
  /** Where SNS puts what it could not deliver to an https subscriber; only when there is one. */
  readonly deadLetters: Queue | undefined;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);

    this.key = new Key(this, "Key", {
      description: "Encrypts the Meet monitor's alarm topics and its undelivered pages",
      enableKeyRotation: true,
      // Deleted with the stack after the shortest waiting period, so `cdk destroy` leaves no cost behind.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only when the key lets them (without this the
    // alarm history shows KMS AccessDenied and nobody is paged). The SNS developer guide ("Enable
    // compatibility between event sources from AWS services and encrypted topics") documents this
    // statement for the cloudwatch.amazonaws.com principal, limited by aws:SourceArn to the event
    // source's resources; aws:SourceAccount is the global condition key AWS recommends against the
    // confused deputy, and both are set on service-principal requests. Here: alarms of this
    // account and region. The guide's optional kms:EncryptionContext:aws:sns:topicArn condition is
    // left out: the topics depend on this key, so naming them here would be a circular reference.
    // `npm run notify-test` (alarm mode) exercises exactly this path after a deploy.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsOfThisAccountToUseTheKey",
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal(CLOUDWATCH)],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );

    const urls = SEVERITIES.flatMap((severity) => props.alerts[severity]?.urls ?? []);
    this.deadLetters = urls.length > 0 ? this.deadLetterQueue() : undefined;

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
        topic.addSubscription(
          new UrlSubscription(url, {
            protocol: SubscriptionProtocol.HTTPS,
            deliveryPolicy: HTTPS_DELIVERY_POLICY,
            ...(this.deadLetters ? { deadLetterQueue: this.deadLetters } : {}),
          }),
        );
      }
      return topic;
    };
    this.topics = { critical: make("critical"), warning: make("warning") };
  }

  /**
   * The dead-letter queue of the https subscriptions, encrypted with the topics' key. SNS sends to
   * it as its service principal (the queue policy is added by each subscription), and encrypting
   * with a customer managed key needs the key to allow SNS ("Amazon SNS dead-letter queues").
   * Messages are kept 14 days (SQS's maximum): the pageUndelivered alarm stays on until handled.
   */
  private deadLetterQueue(): Queue {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowSnsTopicsOfThisAccountToUseTheKeyForUndeliveredPages",
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal(SNS)],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        },
      }),
    );
    const queue = new Queue(this, "UndeliveredPages", {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(queue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a dead-letter queue: the SNS https subscriptions' redrive target (cdk-nag only recognises SQS-to-SQS redrive). Nothing consumes it; its depth alarm reports every message.",
    });
    return queue;
  }
}
