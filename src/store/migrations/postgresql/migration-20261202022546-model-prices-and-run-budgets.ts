import { Migration } from '@mikro-orm/migrations';

export class Migration20261202022546_model_prices_and_run_budgets extends Migration {

  override name = 'Migration20261202022546_model_prices_and_run_budgets';

  override up(): void | Promise<void> {
    this.addSql(`alter table "ai_model" add "input_price_per_mtok" double precision null, add "output_price_per_mtok" double precision null, add "cached_input_price_per_mtok" double precision null;`);

    this.addSql(`alter table "execution_run" add "error_code" varchar(32) null, add "budget" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ai_model" drop column "input_price_per_mtok", drop column "output_price_per_mtok", drop column "cached_input_price_per_mtok";`);

    this.addSql(`alter table "execution_run" drop column "error_code", drop column "budget";`);
  }

}
