import { defineEntity, p } from '@mikro-orm/core';

/**
 * A Cadre process serving this database, with its heartbeat: the lease every run it owns
 * (`execution_run.owner`) hangs on. A row whose heartbeat is older than the lease is a lapsed
 * process: its runs are failed "owner lost" by the others, and its own heartbeat is refused.
 */
export const CadreProcessSchema = defineEntity({
  name: 'CadreProcess',
  tableName: 'cadre_process',
  properties: {
    id: p.string().length(64).primary(),
    heartbeatAt: p.datetime().length(3).index('cadre_process_heartbeat_idx'),
    startedAt: p.datetime().length(3),
    /** host:pid, for operators reading the table. */
    description: p.string().length(255),
  },
});

export class CadreProcess extends CadreProcessSchema.class {}
CadreProcessSchema.setClass(CadreProcess);
