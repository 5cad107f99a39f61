/**
 * Configuration for the MikroORM CLI and tools (`npx mikro-orm schema:update --dump`), built from
 * the same environment variables as the service (see src/store/database-config.ts).
 */
import { databaseConfigFromEnv } from './src/store/database-config.ts';
import { ormOptions } from './src/store/init-orm.ts';

export default await ormOptions(databaseConfigFromEnv());
