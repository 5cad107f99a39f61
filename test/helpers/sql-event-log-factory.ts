import { createTestDatabase, type Backend } from './backends.ts';
import { SqlEventLog } from '../../src/store/sql-event-log.ts';

export function sqlEventLog(backend: Backend) {
  return async () => {
    const db = await createTestDatabase(backend);
    const log = new SqlEventLog(db.store.orm);
    return { log, dispose: async () => { await log.close(); await db.drop(); } };
  };
}
