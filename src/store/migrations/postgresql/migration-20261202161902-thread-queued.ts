import { Migration } from '@mikro-orm/migrations';

export class Migration20261202161902_thread_queued extends Migration {

  override name = 'Migration20261202161902_thread_queued';

  override up(): void | Promise<void> {
    this.addSql(`alter table "execution_run" add "thread_queued" boolean not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "execution_run" drop column "thread_queued";`);
  }

}
