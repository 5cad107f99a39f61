import { Migration } from '@mikro-orm/migrations';

export class Migration20261202022600_human_inputs extends Migration {

  override name = 'Migration20261202022600_human_inputs';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` add column \`human_inputs\` text null;`);
    this.addSql(`alter table \`execution_run\` add column \`waiting_since\` datetime null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`execution_run\` drop column \`human_inputs\`;`);
    this.addSql(`alter table \`execution_run\` drop column \`waiting_since\`;`);
  }

}
