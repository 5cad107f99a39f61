import { Migration } from '@mikro-orm/migrations';

export class Migration20261202022603_human_inputs extends Migration {

  override name = 'Migration20261202022603_human_inputs';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` add \`human_inputs\` longtext null, add \`waiting_since\` datetime(3) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` drop column \`human_inputs\`, drop column \`waiting_since\`;`);
  }

}
