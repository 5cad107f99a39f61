import { Migration } from '@mikro-orm/migrations';

export class Migration20261201233012_run_checkpoints_and_resumes extends Migration {

  override name = 'Migration20261201233012_run_checkpoints_and_resumes';

  override up(): void | Promise<void> {
    this.addSql(`create table \`run_checkpoint\` (\`run_id\` bigint unsigned not null, \`sequence\` int not null, \`snapshot\` longtext not null, \`bytes\` int not null, \`saved_at\` datetime(3) not null, primary key (\`run_id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`alter table \`execution_run\` add \`resumes\` longtext null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`run_checkpoint\`;`);

    this.addSql(`alter table \`execution_run\` drop column \`resumes\`;`);
  }

}
