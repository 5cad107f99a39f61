import { Migration } from '@mikro-orm/migrations';

export class Migration20261202113301_threads extends Migration {

  override name = 'Migration20261202113301_threads';

  override up(): void | Promise<void> {
    this.addSql(`create table \`thread\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`hierarchy_id\` text not null, \`metadata\` json not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create index \`thread_tenant_id_index\` on \`thread\` (\`tenant_id\`);`);
    this.addSql(`create index \`thread_tenant_hierarchy_idx\` on \`thread\` (\`tenant_id\`, \`hierarchy_id\`);`);

    this.addSql(`alter table \`execution_run\` add column \`thread_id\` text null;`);
    this.addSql(`create index \`execution_run_tenant_thread_idx\` on \`execution_run\` (\`tenant_id\`, \`thread_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`thread\`;`);

    this.addSql(`drop index \`execution_run_tenant_thread_idx\`;`);
    this.addSql(`alter table \`execution_run\` drop column \`thread_id\`;`);
  }

}
