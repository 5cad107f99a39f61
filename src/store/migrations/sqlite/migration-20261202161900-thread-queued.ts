import { Migration } from '@mikro-orm/migrations';

export class Migration20261202161900_thread_queued extends Migration {

  override name = 'Migration20261202161900_thread_queued';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` add column \`thread_queued\` integer not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` drop column \`thread_queued\`;`);
  }

}
