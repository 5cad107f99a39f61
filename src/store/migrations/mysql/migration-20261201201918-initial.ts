import { Migration } from '@mikro-orm/migrations';

export class Migration20261201201918_initial extends Migration {

  override name = 'Migration20261201201918_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table \`ai_model\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`name\` varchar(255) collate utf8mb4_nopad_bin not null, \`model_id\` varchar(255) collate utf8mb4_nopad_bin not null, \`provider\` varchar(32) collate utf8mb4_nopad_bin not null, \`base_url\` varchar(1024) collate utf8mb4_nopad_bin null, \`region\` varchar(64) collate utf8mb4_nopad_bin null, \`temperature\` double null, \`max_tokens\` int null, \`top_p\` double null, \`description\` longtext null, \`is_active\` tinyint(1) not null default true, \`params\` json null, \`api_key_env\` varchar(255) collate utf8mb4_nopad_bin null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`ai_model\` add index \`ai_model_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`ai_model\` add unique \`ai_model_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`api_key\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`name\` varchar(255) collate utf8mb4_nopad_bin null, \`key_hash\` varchar(64) collate utf8mb4_nopad_bin not null, \`prefix\` varchar(32) collate utf8mb4_nopad_bin not null, \`created_at\` datetime(3) not null, \`revoked_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`api_key\` add index \`api_key_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`api_key\` add unique \`api_key_key_hash_unique\` (\`key_hash\`);`);

    this.addSql(`create table \`cadre_process\` (\`id\` varchar(64) collate utf8mb4_nopad_bin not null, \`heartbeat_at\` datetime(3) not null, \`started_at\` datetime(3) not null, \`description\` varchar(255) collate utf8mb4_nopad_bin not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`cadre_process\` add index \`cadre_process_heartbeat_idx\` (\`heartbeat_at\`);`);

    this.addSql(`create table \`execution_event\` (\`id\` bigint unsigned not null auto_increment primary key, \`run_id\` bigint not null, \`sequence\` int not null, \`category\` varchar(16) collate utf8mb4_nopad_bin not null, \`action\` varchar(32) collate utf8mb4_nopad_bin not null, \`payload\` longtext not null, \`created_at\` datetime(3) not null) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`execution_event\` add unique \`execution_event_run_sequence_unique\` (\`run_id\`, \`sequence\`);`);

    this.addSql(`create table \`execution_run\` (\`id\` bigint unsigned not null auto_increment primary key, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`hierarchy_id\` varchar(36) collate utf8mb4_nopad_bin not null, \`task\` longtext not null, \`status\` varchar(16) collate utf8mb4_nopad_bin not null, \`result\` longtext null, \`error\` longtext null, \`statistics\` json null, \`topology_snapshot\` json null, \`trace_id\` varchar(32) collate utf8mb4_nopad_bin null, \`started_at\` datetime(3) null, \`completed_at\` datetime(3) null, \`created_at\` datetime(3) not null, \`owner\` varchar(64) collate utf8mb4_nopad_bin null, \`cancel_requested_at\` datetime(3) null, \`inspect_requested_at\` datetime(3) null, \`live_tree\` json null, \`live_tree_at\` datetime(3) null) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`execution_run\` add index \`execution_run_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`execution_run\` add index \`execution_run_tenant_hierarchy_idx\` (\`tenant_id\`, \`hierarchy_id\`);`);
    this.addSql(`alter table \`execution_run\` add index \`execution_run_status_idx\` (\`status\`);`);
    this.addSql(`alter table \`execution_run\` add index \`execution_run_owner_idx\` (\`owner\`);`);

    this.addSql(`create table \`hierarchy_team\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`name\` varchar(255) collate utf8mb4_nopad_bin not null, \`description\` longtext null, \`config\` json not null, \`is_active\` tinyint(1) not null default true, \`version\` int not null default 1, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`hierarchy_team\` add index \`hierarchy_team_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`hierarchy_team\` add unique \`hierarchy_team_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);

    this.addSql(`create table \`mcp_server\` (\`id\` varchar(36) collate utf8mb4_nopad_bin not null, \`tenant_id\` varchar(64) collate utf8mb4_nopad_bin not null, \`name\` varchar(64) collate utf8mb4_nopad_bin not null, \`url\` varchar(2048) collate utf8mb4_nopad_bin not null, \`headers_env\` json not null, \`description\` longtext null, \`is_active\` tinyint(1) not null default true, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`mcp_server\` add index \`mcp_server_tenant_id_index\` (\`tenant_id\`);`);
    this.addSql(`alter table \`mcp_server\` add unique \`mcp_server_tenant_name_unique\` (\`tenant_id\`, \`name\`);`);
  }

}
