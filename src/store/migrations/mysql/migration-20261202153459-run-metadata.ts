import { Migration } from '@mikro-orm/migrations';

export class Migration20261202153459_run_metadata extends Migration {

  override name = 'Migration20261202153459_run_metadata';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` add \`metadata\` json null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` drop column \`metadata\`;`);
  }

}
