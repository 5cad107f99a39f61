import { Migration } from '@mikro-orm/migrations';

export class Migration20261202022545_model_prices_and_run_budgets extends Migration {

  override name = 'Migration20261202022545_model_prices_and_run_budgets';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`ai_model\` add column \`input_price_per_mtok\` double null;`);
    this.addSql(`alter table \`ai_model\` add column \`output_price_per_mtok\` double null;`);
    this.addSql(`alter table \`ai_model\` add column \`cached_input_price_per_mtok\` double null;`);

    this.addSql(`alter table \`execution_run\` add column \`error_code\` text null;`);
    this.addSql(`alter table \`execution_run\` add column \`budget\` json null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`ai_model\` drop column \`input_price_per_mtok\`;`);
    this.addSql(`alter table \`ai_model\` drop column \`output_price_per_mtok\`;`);
    this.addSql(`alter table \`ai_model\` drop column \`cached_input_price_per_mtok\`;`);

    this.addSql(`alter table \`execution_run\` drop column \`error_code\`;`);
    this.addSql(`alter table \`execution_run\` drop column \`budget\`;`);
  }

}
