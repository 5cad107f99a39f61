import { Migration } from '@mikro-orm/migrations';

export class Migration20261201202034_initial extends Migration {

  override name = 'Migration20261201202034_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table \`ai_model\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`name\` text not null, \`model_id\` text not null, \`provider\` text not null, \`base_url\` text null, \`region\` text null, \`temperature\` double null, \`max_tokens\` integer null, \`top_p\` double null, \`description\` text null, \`is_active\` integer not null default true, \`params\` json null, \`api_key_env\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create index \`ai_model_tenant_id_index\` on \`ai_model\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`ai_model_tenant_name_unique\` on \`ai_model\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`api_key\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`name\` text null, \`key_hash\` text not null, \`prefix\` text not null, \`created_at\` datetime not null, \`revoked_at\` datetime null);`);
    this.addSql(`create index \`api_key_tenant_id_index\` on \`api_key\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`api_key_key_hash_unique\` on \`api_key\` (\`key_hash\`);`);

    this.addSql(`create table \`cadre_process\` (\`id\` text not null primary key, \`heartbeat_at\` datetime not null, \`started_at\` datetime not null, \`description\` text not null);`);
    this.addSql(`create index \`cadre_process_heartbeat_idx\` on \`cadre_process\` (\`heartbeat_at\`);`);

    this.addSql(`create table \`execution_event\` (\`id\` integer not null primary key autoincrement, \`run_id\` bigint not null, \`sequence\` integer not null, \`category\` text not null, \`action\` text not null, \`payload\` text not null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`execution_event_run_sequence_unique\` on \`execution_event\` (\`run_id\`, \`sequence\`);`);

    this.addSql(`create table \`execution_run\` (\`id\` integer not null primary key autoincrement, \`tenant_id\` text not null, \`hierarchy_id\` text not null, \`task\` text not null, \`status\` text not null, \`result\` text null, \`error\` text null, \`statistics\` json null, \`topology_snapshot\` json null, \`trace_id\` text null, \`started_at\` datetime null, \`completed_at\` datetime null, \`created_at\` datetime not null, \`owner\` text null, \`cancel_requested_at\` datetime null, \`inspect_requested_at\` datetime null, \`live_tree\` json null, \`live_tree_at\` datetime null);`);
    this.addSql(`create index \`execution_run_tenant_id_index\` on \`execution_run\` (\`tenant_id\`);`);
    this.addSql(`create index \`execution_run_tenant_hierarchy_idx\` on \`execution_run\` (\`tenant_id\`, \`hierarchy_id\`);`);
    this.addSql(`create index \`execution_run_status_idx\` on \`execution_run\` (\`status\`);`);
    this.addSql(`create index \`execution_run_owner_idx\` on \`execution_run\` (\`owner\`);`);

    this.addSql(`create table \`hierarchy_team\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`name\` text not null, \`description\` text null, \`config\` json not null, \`is_active\` integer not null default true, \`version\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create index \`hierarchy_team_tenant_id_index\` on \`hierarchy_team\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`hierarchy_team_tenant_name_unique\` on \`hierarchy_team\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`mcp_server\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`name\` text not null, \`url\` text not null, \`headers_env\` json not null, \`description\` text null, \`is_active\` integer not null default true, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create index \`mcp_server_tenant_id_index\` on \`mcp_server\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`mcp_server_tenant_name_unique\` on \`mcp_server\` (\`tenant_id\`, \`name\`);`);
  }

}
