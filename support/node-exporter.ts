/**
 * Debian's prometheus-node-exporter, started by the tests on loopback (an ephemeral port) with the
 * collectors the host figures read, and the host's own numbers from /proc to check them against.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, statfsSync } from "node:fs";
import { missingPrograms, stderrTail, stopProcess, waitForPage } from "./processes.ts";
import { closedPort } from "./servers.ts";

export const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";
export const NODE_EXPORTER_INSTALL_HINT = "apt-get install -y prometheus-node-exporter";

/** The filesystem filters the test gives node_exporter (its own defaults, written out). */
export const MOUNT_POINTS_EXCLUDE =
  "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
export const FS_TYPES_EXCLUDE =
  "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$";
/** node_exporter's default diskstats exclusion: partitions and virtual devices. */
export const DISKS_EXCLUDE = /^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;

export function missingNodeExporter(): string[] {
  return missingPrograms([NODE_EXPORTER]);
}

export interface RunningNodeExporter {
  readonly url: string;
  stop(): Promise<void>;
}

/** @param listenPort @default an ephemeral port */
export async function startNodeExporter(listenPort?: number): Promise<RunningNodeExporter> {
  const port = listenPort ?? (await closedPort());
  const child: ChildProcess = spawn(
    NODE_EXPORTER,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      "--collector.disable-defaults",
      ...["cpu", "meminfo", "filesystem", "diskstats", "netdev"].map((name) => `--collector.${name}`),
      `--collector.filesystem.mount-points-exclude=${MOUNT_POINTS_EXCLUDE}`,
      `--collector.filesystem.fs-types-exclude=${FS_TYPES_EXCLUDE}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const log = stderrTail(child);
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitForPage(url, /^node_memory_MemTotal_bytes /m, () => `node_exporter did not start: ${log()}`);
  return { url, stop: () => stopProcess(child, "SIGTERM") };
}

/** What /proc says at one moment, in the units node_exporter reports. */
export interface ProcSnapshot {
  readonly atMs: number;
  /** CPU seconds by mode (user nice system idle iowait irq softirq steal), all CPUs summed. */
  readonly cpu: Readonly<Record<string, number>>;
  readonly memAvailable: number;
  readonly memTotal: number;
  /** Seconds spent doing I/O, by device. */
  readonly ioSeconds: Readonly<Record<string, number>>;
  /** Bytes received and sent, by interface. */
  readonly network: Readonly<Record<string, { readonly rx: number; readonly tx: number }>>;
}

const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;
/** Clock ticks per second of /proc/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

export function readProc(): ProcSnapshot {
  const atMs = Date.now();
  const cpu: Record<string, number> = {};
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    if (!/^cpu\d+ /.test(line)) continue;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    CPU_MODES.forEach((mode, index) => {
      cpu[mode] = (cpu[mode] ?? 0) + (ticks[index] ?? 0) / USER_HZ;
    });
  }
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(meminfo)?.[1]) * 1024;
  const ioSeconds: Record<string, number> = {};
  for (const line of readFileSync("/proc/diskstats", "utf8").split("\n")) {
    const fields = line.trim().split(/\s+/);
    const device = fields[2];
    if (device === undefined || DISKS_EXCLUDE.test(device)) continue;
    ioSeconds[device] = Number(fields[12]) / 1000; // io_ticks, in ms
  }
  const network: Record<string, { rx: number; tx: number }> = {};
  for (const line of readFileSync("/proc/net/dev", "utf8").split("\n").slice(2)) {
    const match = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const fields = match[2].trim().split(/\s+/).map(Number);
    network[match[1]] = { rx: fields[0] ?? 0, tx: fields[8] ?? 0 };
  }
  return { atMs, cpu, memAvailable: kib("MemAvailable"), memTotal: kib("MemTotal"), ioSeconds, network };
}

/** The mounts node_exporter sees (PID 1's), with the test's filters and the probe's own applied. */
export function filesystemsFree(ignoredTypes: RegExp): { mountpoint: string; freePercent: number }[] {
  const mountsExclude = new RegExp(MOUNT_POINTS_EXCLUDE);
  const typesExclude = new RegExp(FS_TYPES_EXCLUDE);
  const result: { mountpoint: string; freePercent: number }[] = [];
  for (const line of readFileSync("/proc/1/mounts", "utf8").split("\n")) {
    const [, mountpoint, type, options] = line.split(" ");
    if (!mountpoint || !type || !options) continue;
    if (mountsExclude.test(mountpoint) || typesExclude.test(type) || ignoredTypes.test(type)) continue;
    if (options.split(",").includes("ro")) continue;
    try {
      const stats = statfsSync(mountpoint);
      if (stats.blocks > 0) result.push({ mountpoint, freePercent: (100 * stats.bavail) / stats.blocks });
    } catch {
      // A mount this process cannot stat: node_exporter reports a device error for it and we skip it too.
    }
  }
  return result;
}
