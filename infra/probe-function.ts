/**
 * The probe function with the house defaults: Node.js 24 on ARM64, bundled by the locally
 * installed esbuild (no Docker), minified with source maps, its own log group, and the resolved
 * config copied into the bundle as monitor-config.json (Lambda environment variables are limited
 * to 4 KB; a file is not, and a config change changes the asset hash).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, Names, RemovalPolicy, Stage } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, type CfnFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  bundledConfigText,
  CONFIG_FILE_NAME,
  METRICS_REGION_ENV,
  WHITEBOX_ENV,
} from "../functions/shared/config/bundled.ts";

/** The repository root (infra/..): the lock file and the handler live there. */
export const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const HANDLER_ENTRY = join(PROJECT_ROOT, "functions", "probe", "handler.ts");

/** The runtime the tests run on (Node 24, from the `node` npm package). */
export const PROBE_RUNTIME = Runtime.NODEJS_24_X;

/** The probe bundle's esbuild settings (the bench builds its baseline bundle with the same). */
export const PROBE_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  minify: true,
  // The map ships beside the bundle but Node's source-map support stays off: it costs about
  // 75 MB of memory (measured: a white-box cycle peaks at ~200 MB with it, ~130 MB without).
  // Set NODE_OPTIONS=--enable-source-maps on the function (and memoryMb 512) to debug a crash.
  sourceMap: true,
  sourcesContent: false,
  target: "node24",
  format: OutputFormat.CJS,
  // The exact SDK version the tests exercise, not whichever the runtime ships.
  bundleAwsSDK: true,
  externalModules: [],
};

/**
 * Under the one-minute schedule, above the worst case of a run: a check takes at most two
 * attempts and a pause (37 s at the schema's limits, watchdog slack included; 23 s with the
 * defaults), then publishing has its own 10 s deadline (PUBLISH_BUDGET_MS), plus a cold start.
 * A run that still overruns ends as a function error, which the "function failing" alarm reports.
 */
export const PROBE_TIMEOUT_SECONDS = 58;

/** The events a run may skip instead of queueing: older than one schedule period. */
export const MAX_EVENT_AGE_SECONDS = 60;

export interface ProbeFunctionProps {
  /** Written next to the handler as monitor-config.json. */
  readonly runtimeConfig: Record<string, unknown>;
  /** The metrics namespace PutMetricData is restricted to. */
  readonly namespace: string;
  /** Secrets Manager ARNs the function may read (the config's credentials). */
  readonly secretArns: readonly string[];
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  /** Reserve a concurrency of 1 (deployment.singleConcurrency; off by default). */
  readonly singleConcurrency: boolean;
  readonly vpc?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
  /**
   * The home region, for a probe deployed elsewhere: its metrics go there (alarms read only their
   * own region's metrics), and PutMetricData is allowed there only.
   */
  readonly metricsRegion?: string;
  /** False on the vantages that leave the white-box sources to another one. @default true */
  readonly readsWhitebox?: boolean;
}

export class ProbeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
  readonly schedule: Rule;
  /** sha256 of the bundled monitor-config.json. */
  readonly configSha256: string;

  constructor(scope: Construct, id: string, props: ProbeFunctionProps) {
    super(scope, id);

    const configText = bundledConfigText(props.runtimeConfig);
    this.configSha256 = createHash("sha256").update(configText).digest("hex");
    // Written into the cloud assembly directory, where the operator can also read what was deployed.
    const outdir = Stage.of(this)?.outdir;
    if (outdir === undefined) throw new Error("ProbeFunction must be created inside a CDK App");
    const configPath = join(outdir, `${Names.uniqueId(this)}.${CONFIG_FILE_NAME}`);
    mkdirSync(dirname(configPath), { recursive: true });
    writeFileSync(configPath, configText);

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetentionDays as RetentionDays,
      // A monitor's logs are short-lived diagnostics; `cdk destroy` removes them with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const statements = [
      new PolicyStatement({
        sid: "PublishMetricsToOwnNamespace",
        effect: Effect.ALLOW,
        actions: ["cloudwatch:PutMetricData"],
        // PutMetricData has no resource-level permissions; the namespace condition is the restriction.
        resources: ["*"],
        conditions: {
          StringEquals: {
            "cloudwatch:namespace": props.namespace,
            ...(props.metricsRegion === undefined ? {} : { "aws:RequestedRegion": props.metricsRegion }),
          },
        },
      }),
      new PolicyStatement({
        sid: "WriteOwnLogGroup",
        effect: Effect.ALLOW,
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    ];
    if (props.secretArns.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: "ReadConfiguredSecrets",
          effect: Effect.ALLOW,
          actions: ["secretsmanager:GetSecretValue"],
          // A secret ARN may be given without its random 6-character suffix; `-??????` matches it.
          resources: props.secretArns.flatMap((arn) => [arn, `${arn}-??????`]),
        }),
      );
    }
    if (props.vpc) {
      statements.push(
        new PolicyStatement({
          sid: "ManageVpcNetworkInterfaces",
          effect: Effect.ALLOW,
          actions: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
          ],
          resources: ["*"],
        }),
      );
    }
    // A role of our own, with inline statements only: the managed AWSLambdaBasicExecutionRole would
    // allow writing to every log group of the account.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Meet synthetic monitor probe: publish its metrics, write its logs, read its secrets",
      inlinePolicies: { probe: new PolicyDocument({ statements }) },
    });

    const environment = {
      ...(props.metricsRegion === undefined ? {} : { [METRICS_REGION_ENV]: props.metricsRegion }),
      ...(props.readsWhitebox === false ? { [WHITEBOX_ENV]: "off" } : {}),
    };
    this.function = new NodejsFunction(this, "Function", {
      entry: HANDLER_ENTRY,
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      runtime: PROBE_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(PROBE_TIMEOUT_SECONDS),
      role: this.role,
      logGroup: this.logGroup,
      description: "Meet synthetic monitor: probes the backend, LiveKit and Garage every minute",
      ...(props.singleConcurrency ? { reservedConcurrentExecutions: 1 } : {}),
      ...(Object.keys(environment).length > 0 ? { environment } : {}),
      bundling: {
        ...PROBE_BUNDLING,
        // Part of the asset cache key, so two configs never share a bundle within one synthesis.
        environment: { MEET_MONITOR_CONFIG_SHA256: this.configSha256 },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(configPath)} ${shellQuote(join(outputDir, CONFIG_FILE_NAME))}`,
          ],
        },
      },
    });

    if (props.vpc) {
      // Subnet and security group ids straight into the function: no VPC lookup, synth stays offline.
      const cfn = this.function.node.defaultChild as CfnFunction;
      cfn.vpcConfig = {
        subnetIds: [...props.vpc.subnetIds],
        securityGroupIds: [...props.vpc.securityGroupIds],
      };
    }

    // A throttled scheduled event (the previous run still going) is dropped, not queued for hours.
    this.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS),
    });

    this.schedule = new Rule(this, "Schedule", {
      description: "Runs the Meet synthetic monitor probe every minute",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(this.function, {
          maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS),
          retryAttempts: 2,
        }),
      ],
    });

    // cdk-nag acknowledgements are added by the stack once the findings are known (see stack.ts).
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
