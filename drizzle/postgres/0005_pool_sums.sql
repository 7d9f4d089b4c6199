ALTER TABLE "pools" ADD COLUMN "accrued_sum" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "pools" ADD COLUMN "weight_index_sum" numeric(78, 0);