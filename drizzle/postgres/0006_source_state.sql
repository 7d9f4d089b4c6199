CREATE TABLE "source_state" (
	"pool" text NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"changed_tick" integer NOT NULL,
	CONSTRAINT "source_state_pool_kind_key_pk" PRIMARY KEY("pool","kind","key")
);
--> statement-breakpoint
CREATE TABLE "source_state_log" (
	"tick" integer NOT NULL,
	"pool" text NOT NULL,
	"reset" boolean NOT NULL,
	"count" integer NOT NULL,
	"payload" text NOT NULL,
	CONSTRAINT "source_state_log_tick_pool_pk" PRIMARY KEY("tick","pool")
);
