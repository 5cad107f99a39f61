import { Migration } from '@mikro-orm/migrations';

export class Migration20261201233010_run_checkpoints_and_resumes extends Migration {

  override name = 'Migration20261201233010_run_checkpoints_and_resumes';

  override up(): void | Promise<void> {
    this.addSql(`create table \`run_checkpoint\` (\`run_id\` bigint not null primary key, \`sequence\` integer not null, \`snapshot\` text not null, \`bytes\` integer not null, \`saved_at\` datetime not null);`);

    this.addSql(`alter table \`execution_run\` add column \`resumes\` text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`run_checkpoint\`;`);

    this.addSql(`alter table \`execution_run\` drop column \`resumes\`;`);
  }

}
