/**
 * Process figures read from Linux's /proc, the same way for a Node child and for a Go binary:
 * CPU time is utime + stime of /proc/<pid>/stat (every thread of the process, in clock ticks).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux in practice). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
export function parseStat(text: string): { utimeTicks: number; stimeTicks: number; rssPages: number } {
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime is field 14, stime 15, rss 24 (1-based, see proc(5)).
  const field = (n: number): number => Number(rest[n - 3]);
  return { utimeTicks: field(14), stimeTicks: field(15), rssPages: field(24) };
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function processCpuMs(pid: number): number {
  const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return ((stat.utimeTicks + stat.stimeTicks) * 1000) / clockTicksPerSecond();
}

/** Peak resident set size (VmHWM) of a running process, in MiB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** "Intel(R) Xeon(R) ..., 2 cores": the machine line printed with the figures. */
export function machineDescription(): { cpu: string; cores: number } {
  let cpu = "unknown CPU";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep the placeholder
  }
  const cores = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || 0;
  return { cpu, cores };
}
