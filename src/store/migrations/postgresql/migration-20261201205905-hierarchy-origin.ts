import { Migration } from '@mikro-orm/migrations';

export class Migration20261201205905_hierarchy_origin extends Migration {

  override name = 'Migration20261201205905_hierarchy_origin';

  override up(): void | Promise<void> {
    this.addSql(`alter table "hierarchy_team" add "origin" varchar(16) not null default 'api';`);
    // Hierarchies POST /execute stored before origin existed (named execute:<uuid>) are its too: hidden, and deleted with their run.
    this.addSql(`update "hierarchy_team" set "origin" = 'execute' where "name" like 'execute:%' and length("name") = 44;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "hierarchy_team" drop column "origin";`);
  }

}
