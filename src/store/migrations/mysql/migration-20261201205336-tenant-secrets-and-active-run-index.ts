import { Migration } from '@mikro-orm/migrations';

export class Migration20261201205336_tenant_secrets_and_active_run_index extends Migration {

  override name = 'Migration20261201205336_tenant_secrets_and_active_run_index';

  override up(): void | Promise<void> {
    this.addSql(`create table \`tenant_secret\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`name\` varchar(128) collate utf8mb4_nopad_bin not null, \`ciphertext\` longtext not null, \`iv\` varchar(32) collate utf8mb4_nopad_bin not null, \`auth_tag\` varchar(32) collate utf8mb4_nopad_bin not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`tenant_secret\` add index \`tenant_secret_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`tenant_secret\` add unique \`tenant_secret_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`alter table \`ai_model\` add \`api_key_secret\` varchar(128) collate utf8mb4_nopad_bin null;`);

    this.addSql(`alter table \`execution_run\` add index \`execution_run_tenant_status_idx\` (\`tenant_id\`, \`status\`);`);

    this.addSql(`alter table \`mcp_server\` add \`headers_secret\` json null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`tenant_secret\`;`);

    this.addSql(`alter table \`ai_model\` drop column \`api_key_secret\`;`);

    this.addSql(`alter table \`execution_run\` drop index \`execution_run_tenant_status_idx\`;`);

    this.addSql(`alter table \`mcp_server\` drop column \`headers_secret\`;`);
  }

}
