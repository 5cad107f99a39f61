import { Migration } from '@mikro-orm/migrations';

export class Migration20261202113301_threads extends Migration {

  override name = 'Migration20261202113301_threads';

  override up(): void | Promise<void> {
    this.addSql(`create table "thread" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "hierarchy_id" varchar(36) not null, "metadata" jsonb not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, primary key ("id"));`);
    this.addSql(`create index "thread_tenant_id_index" on "thread" ("tenant_id");`);
    this.addSql(`create index "thread_tenant_hierarchy_idx" on "thread" ("tenant_id", "hierarchy_id");`);

    this.addSql(`alter table "execution_run" add "thread_id" varchar(36) null;`);
    this.addSql(`create index "execution_run_tenant_thread_idx" on "execution_run" ("tenant_id", "thread_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "thread" cascade;`);

    this.addSql(`drop index "execution_run_tenant_thread_idx";`);
    this.addSql(`alter table "execution_run" drop column "thread_id";`);
  }

}
