// Written by `npm run db:migration:create` (scripts/db-migration-create.ts): this backend's
// migrations, oldest first. Edit only to add a hand-written migration.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201202034_initial } from './migration-20261201202034-initial.ts';
import { Migration20261201205332_tenant_secrets_and_active_run_index } from './migration-20261201205332-tenant-secrets-and-active-run-index.ts';
import { Migration20261201205905_hierarchy_origin } from './migration-20261201205905-hierarchy-origin.ts';
import { Migration20261201233010_run_checkpoints_and_resumes } from './migration-20261201233010-run-checkpoints-and-resumes.ts';
import { Migration20261202022545_model_prices_and_run_budgets } from './migration-20261202022545-model-prices-and-run-budgets.ts';
import { Migration20261202022600_human_inputs } from './migration-20261202022600-human-inputs.ts';
import { Migration20261202025713_agent_requests } from './migration-20261202025713-agent-requests.ts';
import { Migration20261202113301_threads } from './migration-20261202113301-threads.ts';
import { Migration20261202153455_run_metadata } from './migration-20261202153455-run-metadata.ts';
import { Migration20261202154221_push_configs } from './migration-20261202154221-push-configs.ts';
import { Migration20261202161900_thread_queued } from './migration-20261202161900-thread-queued.ts';
import { Migration20261202182204_run_agent_errors } from './migration-20261202182204-run-agent-errors.ts';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261201202034_initial', class: Migration20261201202034_initial },
  { name: 'Migration20261201205332_tenant_secrets_and_active_run_index', class: Migration20261201205332_tenant_secrets_and_active_run_index },
  { name: 'Migration20261201205905_hierarchy_origin', class: Migration20261201205905_hierarchy_origin },
  { name: 'Migration20261201233010_run_checkpoints_and_resumes', class: Migration20261201233010_run_checkpoints_and_resumes },
  { name: 'Migration20261202022545_model_prices_and_run_budgets', class: Migration20261202022545_model_prices_and_run_budgets },
  { name: 'Migration20261202022600_human_inputs', class: Migration20261202022600_human_inputs },
  { name: 'Migration20261202025713_agent_requests', class: Migration20261202025713_agent_requests },
  { name: 'Migration20261202113301_threads', class: Migration20261202113301_threads },
  { name: 'Migration20261202153455_run_metadata', class: Migration20261202153455_run_metadata },
  { name: 'Migration20261202154221_push_configs', class: Migration20261202154221_push_configs },
  { name: 'Migration20261202161900_thread_queued', class: Migration20261202161900_thread_queued },
  { name: 'Migration20261202182204_run_agent_errors', class: Migration20261202182204_run_agent_errors },
];
