import { Migration } from '@mikro-orm/migrations';

export class Migration20261202154224_push_configs extends Migration {

  override name = 'Migration20261202154224_push_configs';

  override up(): void | Promise<void> {
    this.addSql(`create table \`push_config\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`run_id\` bigint not null, \`config_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`url\` longtext not null, \`token\` longtext null, \`auth_scheme\` varchar(64) collate utf8mb4_nopad_bin null, \`auth_credentials\` longtext null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`push_config\` add index \`push_config_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`push_config\` add index \`push_config_run_id_index\` (\`run_id\`);`);
    this.addSql(`alter table \`push_config\` add unique \`push_config_run_config_unique\` (\`run_id\`, \`config_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`push_config\`;`);
  }

}
