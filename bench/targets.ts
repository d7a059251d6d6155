/** Parent side of bench/target-process.ts: start the loopback targets in their own process. */
import { type BenchChild, forkChild } from "./ipc.ts";
import type { FlapMode, TruthRecord } from "./servers.ts";

export interface TargetSpec {
  /** Healthy Meet components answering after `delayMs`; those at `tlsIndexes` speak https. */
  readonly healthy?: { readonly count: number; readonly delayMs: number; readonly tlsIndexes?: number[] };
  /** The accuracy server waiting `delayMs` before its headers. */
  readonly truth?: { readonly delayMs: number };
  /** One flapping server per seed. */
  readonly flapping?: {
    readonly seeds: number[];
    readonly weights: Record<FlapMode, number>;
    readonly slowMs: [number, number];
  };
  /** A local endpoint speaking CloudWatch's wire protocol. */
  readonly cloudwatch?: boolean;
}

export interface TargetsReady {
  readonly healthyPorts: number[];
  readonly flappingPorts: number[];
  readonly truthPort?: number;
  readonly cloudwatchUrl?: string;
  /** The CA that signed the https servers' certificate (for localhost and 127.0.0.1). */
  readonly caPem?: string;
}

export interface CloudWatchSummary {
  readonly requests: number;
  readonly operations: string[];
  readonly datums: number;
  /** `Name{Dim=value,...}`: what CloudWatch bills as one custom metric each. */
  readonly uniqueMetrics: string[];
  /** Up datums received, by Component. */
  readonly upByCheck: Record<string, number>;
}

export interface Targets extends TargetsReady {
  readonly pid: number;
  truth(): Promise<TruthRecord[]>;
  flapModes(): Promise<FlapMode[][]>;
  openSockets(): Promise<number>;
  cloudwatch(): Promise<CloudWatchSummary>;
  resetCloudwatch(): Promise<void>;
  close(): Promise<void>;
}

export async function startTargets(spec: TargetSpec): Promise<Targets> {
  const child: BenchChild = forkChild(new URL("./target-process.ts", import.meta.url), spec);
  const ready = (await child.ready) as unknown as TargetsReady;
  return {
    pid: child.pid,
    healthyPorts: ready.healthyPorts,
    flappingPorts: ready.flappingPorts,
    ...(ready.truthPort === undefined ? {} : { truthPort: ready.truthPort }),
    ...(ready.cloudwatchUrl === undefined ? {} : { cloudwatchUrl: ready.cloudwatchUrl }),
    ...(ready.caPem === undefined ? {} : { caPem: ready.caPem }),
    truth: () => child.query<TruthRecord[]>("truth"),
    flapModes: () => child.query<FlapMode[][]>("flapModes"),
    openSockets: () => child.query<number>("openSockets"),
    cloudwatch: () => child.query<CloudWatchSummary>("cloudwatch"),
    resetCloudwatch: async () => {
      await child.query<boolean>("resetCloudwatch");
    },
    close: () => child.close(),
  };
}
