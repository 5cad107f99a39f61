import { Migration } from '@mikro-orm/migrations';

export class Migration20261201233011_run_checkpoints_and_resumes extends Migration {

  override name = 'Migration20261201233011_run_checkpoints_and_resumes';

  override up(): void | Promise<void> {
    this.addSql(`create table "run_checkpoint" ("run_id" bigint not null, "sequence" int not null, "snapshot" text not null, "bytes" int not null, "saved_at" timestamptz(3) not null, primary key ("run_id"));`);

    this.addSql(`alter table "execution_run" add "resumes" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "run_checkpoint" cascade;`);

    this.addSql(`alter table "execution_run" drop column "resumes";`);
  }

}
