import { Migration } from '@mikro-orm/migrations';

export class Migration20261202113302_threads extends Migration {

  override name = 'Migration20261202113302_threads';

  override up(): void | Promise<void> {
    this.addSql(`create table \`thread\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`hierarchy_id\` varchar(36) collate utf8mb4_nopad_bin not null, \`metadata\` json not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`thread\` add index \`thread_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`thread\` add index \`thread_tenant_hierarchy_idx\` (\`tenant_id\`, \`hierarchy_id\`);`);

    this.addSql(`alter table \`execution_run\` add \`thread_id\` varchar(36) collate utf8mb4_nopad_bin null;`);
    this.addSql(`alter table \`execution_run\` add index \`execution_run_tenant_thread_idx\` (\`tenant_id\`, \`thread_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`thread\`;`);

    this.addSql(`alter table \`execution_run\` drop index \`execution_run_tenant_thread_idx\`;`);
    this.addSql(`alter table \`execution_run\` drop column \`thread_id\`;`);
  }

}
