ALTER TABLE "account_settled" DROP CONSTRAINT "account_settled_id_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "account_state" DROP CONSTRAINT "account_state_id_accounts_id_fk";
--> statement-breakpoint
-- Hand-added (drizzle-kit does not model table storage parameters). A tick updates ~0.5 % of
-- account_state; 20 % free space per page lets those updates stay on their page (HOT: no index
-- writes), and vacuum at 2 % dead rows (default 20 %) returns the space before the pages fill.
-- Applies to pages written from now on: an existing ledger repacks with VACUUM FULL account_state.
ALTER TABLE "account_state" SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
