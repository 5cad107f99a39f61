import { Migration } from '@mikro-orm/migrations';

export class Migration20261201205332_tenant_secrets_and_active_run_index extends Migration {

  override name = 'Migration20261201205332_tenant_secrets_and_active_run_index';

  override up(): void | Promise<void> {
    this.addSql(`create table \`tenant_secret\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`name\` text not null, \`ciphertext\` text not null, \`iv\` text not null, \`auth_tag\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create index \`tenant_secret_tenant_id_index\` on \`tenant_secret\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`tenant_secret_tenant_name_unique\` on \`tenant_secret\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`alter table \`ai_model\` add column \`api_key_secret\` text null;`);

    this.addSql(`create index \`execution_run_tenant_status_idx\` on \`execution_run\` (\`tenant_id\`, \`status\`);`);

    this.addSql(`alter table \`mcp_server\` add column \`headers_secret\` json null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`tenant_secret\`;`);

    this.addSql(`alter table \`ai_model\` drop column \`api_key_secret\`;`);

    this.addSql(`drop index \`execution_run_tenant_status_idx\`;`);

    this.addSql(`alter table \`mcp_server\` drop column \`headers_secret\`;`);
  }

}
