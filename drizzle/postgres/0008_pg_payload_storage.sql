-- Hand-written (drizzle-kit does not model column storage). The payloads a tick or a settlement
-- writes in one piece are stored uncompressed: pglz, the only TOAST compression the embedded server
-- is built with, was most of their INSERT (measured at 1 M accounts: a tick's 5,000-change
-- weight_changes row 9.4 ms of server time; a settlement's 1,000 outbox batches, 62 MB of JSON,
-- 0.9 s). The price is disk: these rows take about twice the space they took compressed.
-- Rows written before this migration keep their compressed form and read as before.
ALTER TABLE "weight_changes" ALTER COLUMN "payload" SET STORAGE EXTERNAL;
--> statement-breakpoint
ALTER TABLE "outbox_batches" ALTER COLUMN "payload" SET STORAGE EXTERNAL;
--> statement-breakpoint
ALTER TABLE "reports" ALTER COLUMN "payload" SET STORAGE EXTERNAL;
