/**
 * Every Redis name Cadre's host uses, built in one place from the deployment's prefix
 * (REDIS_KEY_PREFIX + `cadre`), so two deployments sharing a Redis never see each other's runs.
 */
export function redisKeys(prefix: string) {
  return {
    /** BullMQ's own prefix: its keys are `<prefix>:runs:<...>`. */
    queuePrefix: prefix,
    queueName: 'runs',
    /** A run's job id (BullMQ refuses integer-like custom ids). */
    jobId: (runId: number) => `run-${runId}`,
    runIdOf: (jobId: string): number | undefined => {
      const match = /^run-(\d+)$/.exec(jobId);
      return match ? Number(match[1]) : undefined;
    },
    /** Requests (cancel, inspect) for the runs a process owns. */
    control: (processId: string) => `${prefix}:control:${processId}`,
    /** Answers to the requests one process sent. */
    reply: (instanceId: string) => `${prefix}:reply:${instanceId}`,
    /** One relay of a run's inspection, from its owner to the process streaming it (runs/inspect/stream). */
    inspection: (relayId: string) => `${prefix}:inspect:${relayId}`,
  };
}
