import { Migration } from '@mikro-orm/migrations';

export class Migration20261202025716_agent_requests extends Migration {

  override name = 'Migration20261202025716_agent_requests';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` add \`agent_requests\` longtext null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` drop column \`agent_requests\`;`);
  }

}
