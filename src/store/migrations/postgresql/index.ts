// Written by `npm run db:migration:create` (scripts/db-migration-create.ts): this backend's
// migrations, oldest first. Edit only to add a hand-written migration.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201201917_initial } from './migration-20261201201917-initial.ts';
import { Migration20261201205334_tenant_secrets_and_active_run_index } from './migration-20261201205334-tenant-secrets-and-active-run-index.ts';
import { Migration20261201205905_hierarchy_origin } from './migration-20261201205905-hierarchy-origin.ts';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261201201917_initial', class: Migration20261201201917_initial },
  { name: 'Migration20261201205334_tenant_secrets_and_active_run_index', class: Migration20261201205334_tenant_secrets_and_active_run_index },
  { name: 'Migration20261201205905_hierarchy_origin', class: Migration20261201205905_hierarchy_origin },
];
