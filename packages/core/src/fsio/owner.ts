/**
 * Who owns a temp file or a lock (docs/CLI.md "Outputs"; docs/KMS.md "Crash safety"): the writer's
 * pid plus its start time (Linux: field 22 of /proc/<pid>/stat, clock ticks since boot), so a
 * reused pid is not mistaken for the dead writer. Temp names carry the owner, which lets the next
 * run sweep the leftovers of writers that were killed (SIGKILL, power loss) without ever touching a
 * live writer's file.
 */
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The start time of process `pid` as the kernel reports it, or undefined (not Linux, or no such process). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall
  } catch {
    return undefined;
  }
}

export interface Owner {
  readonly pid: number;
  /** Process start time ("0" where the platform has no /proc). */
  readonly start: string;
}

let self: Owner | undefined;
/** This process as an owner. */
export function selfOwner(): Owner {
  if (self === undefined || self.pid !== process.pid) self = { pid: process.pid, start: processStartTime(process.pid) ?? '0' };
  return self;
}

/** True while the owner runs: its pid exists and (where known) started at the recorded time. */
export function ownerAlive(owner: Owner): boolean {
  const { pid } = owner;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return owner.start === selfOwner().start || owner.start === '0';
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === '0') return true;
  const now = processStartTime(pid);
  return now === undefined ? true : now === owner.start;
}

let counter = 0;
const MARK = 'envelope';
/** `.<name>.envelope-<pid>-<start>-<n>.tmp`: a hidden temp name beside `target`, unique, carrying its owner. */
export function ownedTempPath(target: string, ext = 'tmp'): string {
  const o = selfOwner();
  counter += 1;
  return join(dirname(target), `.${basename(target)}.${MARK}-${o.pid}-${o.start}-${counter}.${ext}`);
}

const OWNED_RE = /^\..+\.envelope-(\d+)-(\d+)-\d+\.(tmp|partial|lock)$/;
/** The owner recorded in a name made by `ownedTempPath`, or undefined. */
export function ownerOfTempName(name: string): Owner | undefined {
  const m = OWNED_RE.exec(name);
  return m ? { pid: Number(m[1]), start: m[2]! } : undefined;
}

/**
 * Removes the temp files in `dir` whose owner is no longer running (names made by
 * `ownedTempPath`, plus `legacy` names whose pid is the first captured group). Never throws;
 * returns the names removed.
 */
export function sweepStaleTemps(dir: string, legacy?: RegExp): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    let owner = ownerOfTempName(name);
    if (owner === undefined && legacy) {
      const m = legacy.exec(name);
      if (m) owner = { pid: Number(m[1]), start: '0' };
    }
    if (owner === undefined || ownerAlive(owner)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}
