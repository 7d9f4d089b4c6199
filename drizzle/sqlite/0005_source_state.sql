CREATE TABLE `source_state` (
	`pool` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`changed_tick` integer NOT NULL,
	PRIMARY KEY(`pool`, `kind`, `key`)
);
--> statement-breakpoint
CREATE TABLE `source_state_log` (
	`tick` integer NOT NULL,
	`pool` text NOT NULL,
	`reset` integer NOT NULL,
	`count` integer NOT NULL,
	`payload` text NOT NULL,
	PRIMARY KEY(`tick`, `pool`)
);
