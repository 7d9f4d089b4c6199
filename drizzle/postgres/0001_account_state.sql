CREATE TABLE "account_settled" (
	"id" integer PRIMARY KEY NOT NULL,
	"settled" numeric(78, 0) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"recipient" text,
	"weight" numeric(78, 0) NOT NULL,
	"index_at_change" numeric(78, 0) NOT NULL,
	"accrued" numeric(78, 0) NOT NULL,
	"joined_tick" integer NOT NULL,
	"changed_tick" integer NOT NULL
);
--> statement-breakpoint
-- Added by hand to the generated migration: each account's state moves before its old columns are dropped.
INSERT INTO "account_state" ("id", "recipient", "weight", "index_at_change", "accrued", "joined_tick", "changed_tick") SELECT "id", "recipient", "weight", "index_at_change", "accrued", "joined_tick", "changed_tick" FROM "accounts";--> statement-breakpoint
INSERT INTO "account_settled" ("id", "settled") SELECT "id", "settled" FROM "accounts" WHERE "settled" <> 0;--> statement-breakpoint
DROP INDEX "accounts_recipient";--> statement-breakpoint
ALTER TABLE "account_settled" ADD CONSTRAINT "account_settled_id_accounts_id_fk" FOREIGN KEY ("id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_state" ADD CONSTRAINT "account_state_id_accounts_id_fk" FOREIGN KEY ("id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_state_recipient" ON "account_state" USING btree ("recipient");--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "recipient";--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "weight";--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "index_at_change";--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "accrued";--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "settled";--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "joined_tick";--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "changed_tick";