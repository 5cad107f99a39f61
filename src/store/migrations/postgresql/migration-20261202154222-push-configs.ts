import { Migration } from '@mikro-orm/migrations';

export class Migration20261202154222_push_configs extends Migration {

  override name = 'Migration20261202154222_push_configs';

  override up(): void | Promise<void> {
    this.addSql(`create table "push_config" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "run_id" bigint not null, "config_id" varchar(64) not null, "url" text not null, "token" text null, "auth_scheme" varchar(64) null, "auth_credentials" text null, "created_at" timestamptz(3) not null, primary key ("id"));`);
    this.addSql(`create index "push_config_tenant_id_index" on "push_config" ("tenant_id");`);
    this.addSql(`create index "push_config_run_id_index" on "push_config" ("run_id");`);
    this.addSql(`alter table "push_config" add constraint "push_config_run_config_unique" unique ("run_id", "config_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "push_config" cascade;`);
  }

}
