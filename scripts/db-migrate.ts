/**
 * Applies the pending schema migrations to the configured database (DATABASE_URL or DB_*, as
 * `npm start`) and exits: `npm run db:migrate`. The service does the same at start, so this is
 * for deploying the schema ahead of the processes. Idempotent: a second run applies nothing.
 */
import { describeDatabase, databaseConfigFromEnv } from '../src/store/database-config.ts';
import { initORM } from '../src/store/init-orm.ts';

const database = databaseConfigFromEnv();
let applied: string[] = [];
const orm = await initORM({ database, onMigrated: (names) => { applied = names; } });
await orm.close(true);
const where = describeDatabase(database);
if (applied.length === 0) console.log(`${where}: schema up to date, no migration applied`);
else for (const name of applied) console.log(`${where}: applied ${name}`);
