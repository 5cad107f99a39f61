/**
 * LangGraph names runs by UUID; Cadre by integer. Rather than keep a table of pairs, a run's
 * UUID is made from its id, and read back from it: `c4d3e000-0000-8000-8` followed by the id in
 * 15 hex digits (60 bits, far above Number.MAX_SAFE_INTEGER), split as UUIDs are. It is a valid
 * RFC 9562 version 8 (custom) UUID; the same run always has the same UUID, on every process.
 * Anything else is no run of ours (404).
 */
const RUN_UUID = /^c4d3e000-0000-8000-8([0-9a-f]{3})-([0-9a-f]{12})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function runUuidOf(id: number): string {
  const hex = id.toString(16).padStart(15, '0');
  return `c4d3e000-0000-8000-8${hex.slice(0, 3)}-${hex.slice(3)}`;
}

/** The run id a UUID names; undefined for a UUID this server never gave. */
export function runIdOf(uuid: string): number | undefined {
  const match = RUN_UUID.exec(uuid);
  if (!match) return undefined;
  const id = Number.parseInt(match[1]! + match[2]!, 16);
  return id >= 1 && Number.isSafeInteger(id) ? id : undefined;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The checkpoint of a thread's state after a run: made from the run id like its UUID (prefix
 * `c4d3e0c1` while the run is live — its task recorded —, `c4d3e0c2` once it ended), so a
 * state's checkpoint changes exactly when its values do.
 */
export function checkpointIdOf(runId: number, ended: boolean): string {
  return runUuidOf(runId).replace(/^c4d3e000/, ended ? 'c4d3e0c2' : 'c4d3e0c1');
}
