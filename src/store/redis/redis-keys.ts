/**
 * Every Redis key Cadre's event log uses is built here, so the naming scheme lives in one place.
 * `prefix` separates deployments (and test files) sharing one Redis. A run's stream is
 * `run:<run_id>:events`, the original's key, so tools written for it read Cadre's streams; every
 * script touches one key, so no Redis Cluster hash tag is needed.
 */
export interface RedisKeys {
  /** The run's event stream: entries `<sequence>-0`, fields c (category), a (action), j (JSON). */
  runEvents(runId: number): string;
  /** The run id of a stream key made by runEvents (undefined for any other key). */
  runOf(key: string): number | undefined;
}

export function redisKeys(prefix = ''): RedisKeys {
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}run:(\\d+):events$`);
  return {
    runEvents: (runId) => `${prefix}run:${runId}:events`,
    runOf: (key) => {
      const match = pattern.exec(key);
      return match ? Number(match[1]) : undefined;
    },
  };
}

/** The stream entry id of an event: its sequence, so SSE ids, resume and order match everywhere. */
export function entryId(sequence: number): string {
  return `${sequence}-0`;
}

/** The sequence of a stream entry id made by entryId. */
export function sequenceOf(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}
