CREATE TABLE "account_state_tick" (
	"id" integer PRIMARY KEY NOT NULL,
	"tick" integer NOT NULL
);
