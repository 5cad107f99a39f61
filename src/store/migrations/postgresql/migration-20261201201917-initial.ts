import { Migration } from '@mikro-orm/migrations';

export class Migration20261201201917_initial extends Migration {

  override name = 'Migration20261201201917_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "ai_model" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "name" varchar(255) not null, "model_id" varchar(255) not null, "provider" varchar(32) not null, "base_url" varchar(1024) null, "region" varchar(64) null, "temperature" double precision null, "max_tokens" int null, "top_p" double precision null, "description" text null, "is_active" boolean not null default true, "params" jsonb null, "api_key_env" varchar(255) null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`);
    this.addSql(`create index "ai_model_tenant_id_index" on "ai_model" ("tenant_id");`);
    this.addSql(`alter table "ai_model" add constraint "ai_model_tenant_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`create table "api_key" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "name" varchar(255) null, "key_hash" varchar(64) not null, "prefix" varchar(32) not null, "created_at" timestamptz(3) not null, "revoked_at" timestamptz(3) null, primary key ("id"));`);
    this.addSql(`create index "api_key_tenant_id_index" on "api_key" ("tenant_id");`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);

    this.addSql(`create table "cadre_process" ("id" varchar(64) not null, "heartbeat_at" timestamptz(3) not null, "started_at" timestamptz(3) not null, "description" varchar(255) not null, primary key ("id"));`);
    this.addSql(`create index "cadre_process_heartbeat_idx" on "cadre_process" ("heartbeat_at");`);

    this.addSql(`create table "execution_event" ("id" bigserial primary key, "run_id" bigint not null, "sequence" int not null, "category" varchar(16) not null, "action" varchar(32) not null, "payload" text not null, "created_at" timestamptz(3) not null);`);
    this.addSql(`alter table "execution_event" add constraint "execution_event_run_sequence_unique" unique ("run_id", "sequence");`);

    this.addSql(`create table "execution_run" ("id" bigserial primary key, "tenant_id" varchar(64) not null, "hierarchy_id" varchar(36) not null, "task" text not null, "status" varchar(16) not null, "result" text null, "error" text null, "statistics" jsonb null, "topology_snapshot" jsonb null, "trace_id" varchar(32) null, "started_at" timestamptz(3) null, "completed_at" timestamptz(3) null, "created_at" timestamptz(3) not null, "owner" varchar(64) null, "cancel_requested_at" timestamptz(3) null, "inspect_requested_at" timestamptz(3) null, "live_tree" jsonb null, "live_tree_at" timestamptz(3) null);`);
    this.addSql(`create index "execution_run_tenant_id_index" on "execution_run" ("tenant_id");`);
    this.addSql(`create index "execution_run_tenant_hierarchy_idx" on "execution_run" ("tenant_id", "hierarchy_id");`);
    this.addSql(`create index "execution_run_status_idx" on "execution_run" ("status");`);
    this.addSql(`create index "execution_run_owner_idx" on "execution_run" ("owner");`);

    this.addSql(`create table "hierarchy_team" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "name" varchar(255) not null, "description" text null, "config" jsonb not null, "is_active" boolean not null default true, "version" int not null default 1, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`);
    this.addSql(`create index "hierarchy_team_tenant_id_index" on "hierarchy_team" ("tenant_id");`);
    this.addSql(`alter table "hierarchy_team" add constraint "hierarchy_team_tenant_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`create table "mcp_server" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "name" varchar(64) not null, "url" varchar(2048) not null, "headers_env" jsonb not null, "description" text null, "is_active" boolean not null default true, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`);
    this.addSql(`create index "mcp_server_tenant_id_index" on "mcp_server" ("tenant_id");`);
    this.addSql(`alter table "mcp_server" add constraint "mcp_server_tenant_name_unique" unique ("tenant_id", "name");`);
  }

}
