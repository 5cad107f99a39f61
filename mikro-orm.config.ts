/**
 * Configuration for the MikroORM CLI and tools (`npx mikro-orm schema:update --dump`,
 * `npx mikro-orm migration:list`), built from the same environment variables as the service (see
 * src/store/database-config.ts), with the committed migrations. Apply migrations with
 * `npm run db:migrate` (it takes the migration lock and adopts pre-migration databases; the
 * CLI's migration:up does neither) and create them with `npm run db:migration:create`.
 */
import { databaseConfigFromEnv } from './src/store/database-config.ts';
import { ormOptions } from './src/store/init-orm.ts';

export default await ormOptions(databaseConfigFromEnv());
