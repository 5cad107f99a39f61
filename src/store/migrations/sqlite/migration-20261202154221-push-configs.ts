import { Migration } from '@mikro-orm/migrations';

export class Migration20261202154221_push_configs extends Migration {

  override name = 'Migration20261202154221_push_configs';

  override up(): void | Promise<void> {
    this.addSql(`create table \`push_config\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`run_id\` bigint not null, \`config_id\` text not null, \`url\` text not null, \`token\` text null, \`auth_scheme\` text null, \`auth_credentials\` text null, \`created_at\` datetime not null);`);
    this.addSql(`create index \`push_config_tenant_id_index\` on \`push_config\` (\`tenant_id\`);`);
    this.addSql(`create index \`push_config_run_id_index\` on \`push_config\` (\`run_id\`);`);
    this.addSql(`create unique index \`push_config_run_config_unique\` on \`push_config\` (\`run_id\`, \`config_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`push_config\`;`);
  }

}
