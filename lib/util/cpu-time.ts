// CPU time of this process, the timing to compare on a shared machine: wall time grows with the load, CPU time
// (user + system, all of the process's threads) does not.

/** Seconds of CPU this process used since `start` (a process.cpuUsage() reading). */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}
