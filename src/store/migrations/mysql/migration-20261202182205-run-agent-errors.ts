import { Migration } from '@mikro-orm/migrations';

export class Migration20261202182205_run_agent_errors extends Migration {

  override name = 'Migration20261202182205_run_agent_errors';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` add \`agent_errors\` int null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` drop column \`agent_errors\`;`);
  }

}
