import { hostname } from 'node:os';

/** Whether a process of this host with that pid exists (signal 0 only checks). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The registered processes (`host:pid` descriptions) that ran on this host and whose pid is gone:
 * known dead without waiting out their lease. Only meaningful where every process of the
 * database runs on this host (SQLite); `self` is this process's own id.
 */
export function goneProcessesOfThisHost(
  processes: ReadonlyArray<{ id: string; description: string }>, self: string,
): Array<{ p: { id: string; description: string }; pid: number }> {
  const here = `${hostname()}:`;
  const gone: Array<{ p: { id: string; description: string }; pid: number }> = [];
  for (const p of processes) {
    if (p.id === self || !p.description.startsWith(here)) continue;
    const pid = Number(p.description.slice(here.length));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !pidAlive(pid)) gone.push({ p, pid });
  }
  return gone;
}
