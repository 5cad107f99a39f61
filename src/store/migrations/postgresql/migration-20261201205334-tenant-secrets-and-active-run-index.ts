import { Migration } from '@mikro-orm/migrations';

export class Migration20261201205334_tenant_secrets_and_active_run_index extends Migration {

  override name = 'Migration20261201205334_tenant_secrets_and_active_run_index';

  override up(): void | Promise<void> {
    this.addSql(`create table "tenant_secret" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "name" varchar(128) not null, "ciphertext" text not null, "iv" varchar(32) not null, "auth_tag" varchar(32) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`);
    this.addSql(`create index "tenant_secret_tenant_id_index" on "tenant_secret" ("tenant_id");`);
    this.addSql(`alter table "tenant_secret" add constraint "tenant_secret_tenant_name_unique" unique ("tenant_id", "name");`);

    this.addSql(`alter table "ai_model" add "api_key_secret" varchar(128) null;`);

    this.addSql(`create index "execution_run_tenant_status_idx" on "execution_run" ("tenant_id", "status");`);

    this.addSql(`alter table "mcp_server" add "headers_secret" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "tenant_secret" cascade;`);

    this.addSql(`alter table "ai_model" drop column "api_key_secret";`);

    this.addSql(`drop index "execution_run_tenant_status_idx";`);

    this.addSql(`alter table "mcp_server" drop column "headers_secret";`);
  }

}
