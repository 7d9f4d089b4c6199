CREATE TABLE "accounts" (
	"id" integer PRIMARY KEY NOT NULL,
	"pool" text NOT NULL,
	"account" text NOT NULL,
	"recipient" text,
	"weight" numeric(78, 0) NOT NULL,
	"index_at_change" numeric(78, 0) NOT NULL,
	"accrued" numeric(78, 0) NOT NULL,
	"settled" numeric(78, 0) NOT NULL,
	"joined_tick" integer NOT NULL,
	"changed_tick" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credits" (
	"settlement_id" text NOT NULL,
	"account_id" integer NOT NULL,
	"recipient" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	CONSTRAINT "credits_settlement_id_account_id_pk" PRIMARY KEY("settlement_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "outbox_batches" (
	"batch_id" text PRIMARY KEY NOT NULL,
	"settlement_id" text NOT NULL,
	"batch_index" integer NOT NULL,
	"pool" text NOT NULL,
	"from_tick" integer NOT NULL,
	"to_tick" integer NOT NULL,
	"credit_count" integer NOT NULL,
	"total" numeric(78, 0) NOT NULL,
	"payload" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"message_id" text,
	"last_error" text,
	"created_at_ms" bigint NOT NULL,
	"updated_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pools" (
	"pool" text PRIMARY KEY NOT NULL,
	"index_value" numeric(78, 0) NOT NULL,
	"residue" numeric(78, 0) NOT NULL,
	"total_weight" numeric(78, 0) NOT NULL,
	"minted" numeric(78, 0) NOT NULL,
	"accrued_total" numeric(78, 0) NOT NULL,
	"credited" numeric(78, 0) NOT NULL,
	"last_tick" integer NOT NULL,
	"last_settled_tick" integer NOT NULL,
	"cursor" text,
	"yield_quote" text
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"id" text PRIMARY KEY NOT NULL,
	"pool" text NOT NULL,
	"from_tick" integer NOT NULL,
	"to_tick" integer NOT NULL,
	"index_value" numeric(78, 0) NOT NULL,
	"credit_count" integer NOT NULL,
	"recipient_count" integer NOT NULL,
	"batch_count" integer NOT NULL,
	"total" numeric(78, 0) NOT NULL,
	"created_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tick_pools" (
	"tick" integer NOT NULL,
	"pool" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"total_weight" numeric(78, 0) NOT NULL,
	"index_delta" numeric(78, 0) NOT NULL,
	"index_value" numeric(78, 0) NOT NULL,
	"residue" numeric(78, 0) NOT NULL,
	"yield_weight" numeric,
	"pin" text,
	"yield_quote" text,
	"complete" boolean,
	"cursor" text,
	"notes" text NOT NULL,
	CONSTRAINT "tick_pools_tick_pool_pk" PRIMARY KEY("tick","pool")
);
--> statement-breakpoint
CREATE TABLE "ticks" (
	"tick" integer PRIMARY KEY NOT NULL,
	"start_ms" bigint NOT NULL,
	"end_ms" bigint NOT NULL,
	"applied_at_ms" bigint NOT NULL,
	"mint" numeric(78, 0) NOT NULL,
	"split_ar" numeric(78, 0) NOT NULL,
	"split_bridges" numeric(78, 0) NOT NULL,
	"bridge_carry_in" numeric(78, 0) NOT NULL,
	"bridge_carry_out" numeric(78, 0) NOT NULL,
	"policy_label" text NOT NULL,
	"policy" text NOT NULL,
	"notes" text NOT NULL,
	"change_count" integer NOT NULL,
	"hash" text NOT NULL,
	"prev_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "weight_changes" (
	"tick" integer NOT NULL,
	"pool" text NOT NULL,
	"count" integer NOT NULL,
	"payload" text NOT NULL,
	CONSTRAINT "weight_changes_tick_pool_pk" PRIMARY KEY("tick","pool")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_pool_account" ON "accounts" USING btree ("pool","account");--> statement-breakpoint
CREATE INDEX "accounts_recipient" ON "accounts" USING btree ("recipient");--> statement-breakpoint
CREATE INDEX "outbox_status" ON "outbox_batches" USING btree ("status","settlement_id","batch_index");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_settlement_index" ON "outbox_batches" USING btree ("settlement_id","batch_index");--> statement-breakpoint
CREATE UNIQUE INDEX "settlements_pool_to" ON "settlements" USING btree ("pool","to_tick");