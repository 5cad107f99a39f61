// Written by `npm run db:migration:create` (scripts/db-migration-create.ts): this backend's
// migrations, oldest first. Edit only to add a hand-written migration.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201201918_initial } from './migration-20261201201918-initial.ts';
import { Migration20261201205336_tenant_secrets_and_active_run_index } from './migration-20261201205336-tenant-secrets-and-active-run-index.ts';
import { Migration20261201205906_hierarchy_origin } from './migration-20261201205906-hierarchy-origin.ts';
import { Migration20261201233012_run_checkpoints_and_resumes } from './migration-20261201233012-run-checkpoints-and-resumes.ts';
import { Migration20261202022546_model_prices_and_run_budgets } from './migration-20261202022546-model-prices-and-run-budgets.ts';
import { Migration20261202022603_human_inputs } from './migration-20261202022603-human-inputs.ts';
import { Migration20261202025716_agent_requests } from './migration-20261202025716-agent-requests.ts';
import { Migration20261202113302_threads } from './migration-20261202113302-threads.ts';
import { Migration20261202153459_run_metadata } from './migration-20261202153459-run-metadata.ts';
import { Migration20261202154224_push_configs } from './migration-20261202154224-push-configs.ts';
import { Migration20261202161905_thread_queued } from './migration-20261202161905-thread-queued.ts';
import { Migration20261202182205_run_agent_errors } from './migration-20261202182205-run-agent-errors.ts';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261201201918_initial', class: Migration20261201201918_initial },
  { name: 'Migration20261201205336_tenant_secrets_and_active_run_index', class: Migration20261201205336_tenant_secrets_and_active_run_index },
  { name: 'Migration20261201205906_hierarchy_origin', class: Migration20261201205906_hierarchy_origin },
  { name: 'Migration20261201233012_run_checkpoints_and_resumes', class: Migration20261201233012_run_checkpoints_and_resumes },
  { name: 'Migration20261202022546_model_prices_and_run_budgets', class: Migration20261202022546_model_prices_and_run_budgets },
  { name: 'Migration20261202022603_human_inputs', class: Migration20261202022603_human_inputs },
  { name: 'Migration20261202025716_agent_requests', class: Migration20261202025716_agent_requests },
  { name: 'Migration20261202113302_threads', class: Migration20261202113302_threads },
  { name: 'Migration20261202153459_run_metadata', class: Migration20261202153459_run_metadata },
  { name: 'Migration20261202154224_push_configs', class: Migration20261202154224_push_configs },
  { name: 'Migration20261202161905_thread_queued', class: Migration20261202161905_thread_queued },
  { name: 'Migration20261202182205_run_agent_errors', class: Migration20261202182205_run_agent_errors },
];
