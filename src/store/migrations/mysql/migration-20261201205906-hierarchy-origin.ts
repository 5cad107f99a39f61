import { Migration } from '@mikro-orm/migrations';

export class Migration20261201205906_hierarchy_origin extends Migration {

  override name = 'Migration20261201205906_hierarchy_origin';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`hierarchy_team\` add \`origin\` varchar(16) collate utf8mb4_nopad_bin not null default 'api';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`hierarchy_team\` drop column \`origin\`;`);
  }

}
