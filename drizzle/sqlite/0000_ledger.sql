CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY NOT NULL,
	`pool` text NOT NULL,
	`account` text NOT NULL,
	`recipient` text,
	`weight` text NOT NULL,
	`index_at_change` text NOT NULL,
	`accrued` text NOT NULL,
	`settled` text NOT NULL,
	`joined_tick` integer NOT NULL,
	`changed_tick` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_pool_account` ON `accounts` (`pool`,`account`);--> statement-breakpoint
CREATE INDEX `accounts_recipient` ON `accounts` (`recipient`);--> statement-breakpoint
CREATE TABLE `credits` (
	`settlement_id` text NOT NULL,
	`account_id` integer NOT NULL,
	`recipient` text NOT NULL,
	`amount` text NOT NULL,
	PRIMARY KEY(`settlement_id`, `account_id`)
);
--> statement-breakpoint
CREATE TABLE `outbox_batches` (
	`batch_id` text PRIMARY KEY NOT NULL,
	`settlement_id` text NOT NULL,
	`batch_index` integer NOT NULL,
	`pool` text NOT NULL,
	`from_tick` integer NOT NULL,
	`to_tick` integer NOT NULL,
	`credit_count` integer NOT NULL,
	`total` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`message_id` text,
	`last_error` text,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_status` ON `outbox_batches` (`status`,`settlement_id`,`batch_index`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_settlement_index` ON `outbox_batches` (`settlement_id`,`batch_index`);--> statement-breakpoint
CREATE TABLE `pools` (
	`pool` text PRIMARY KEY NOT NULL,
	`index_value` text NOT NULL,
	`residue` text NOT NULL,
	`total_weight` text NOT NULL,
	`minted` text NOT NULL,
	`accrued_total` text NOT NULL,
	`credited` text NOT NULL,
	`last_tick` integer NOT NULL,
	`last_settled_tick` integer NOT NULL,
	`cursor` text,
	`yield_quote` text
);
--> statement-breakpoint
CREATE TABLE `settlements` (
	`id` text PRIMARY KEY NOT NULL,
	`pool` text NOT NULL,
	`from_tick` integer NOT NULL,
	`to_tick` integer NOT NULL,
	`index_value` text NOT NULL,
	`credit_count` integer NOT NULL,
	`recipient_count` integer NOT NULL,
	`batch_count` integer NOT NULL,
	`total` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlements_pool_to` ON `settlements` (`pool`,`to_tick`);--> statement-breakpoint
CREATE TABLE `tick_pools` (
	`tick` integer NOT NULL,
	`pool` text NOT NULL,
	`amount` text NOT NULL,
	`total_weight` text NOT NULL,
	`index_delta` text NOT NULL,
	`index_value` text NOT NULL,
	`residue` text NOT NULL,
	`yield_weight` text,
	`pin` text,
	`yield_quote` text,
	`complete` integer,
	`cursor` text,
	`notes` text NOT NULL,
	PRIMARY KEY(`tick`, `pool`)
);
--> statement-breakpoint
CREATE TABLE `ticks` (
	`tick` integer PRIMARY KEY NOT NULL,
	`start_ms` integer NOT NULL,
	`end_ms` integer NOT NULL,
	`applied_at_ms` integer NOT NULL,
	`mint` text NOT NULL,
	`split_ar` text NOT NULL,
	`split_bridges` text NOT NULL,
	`bridge_carry_in` text NOT NULL,
	`bridge_carry_out` text NOT NULL,
	`policy_label` text NOT NULL,
	`policy` text NOT NULL,
	`notes` text NOT NULL,
	`change_count` integer NOT NULL,
	`hash` text NOT NULL,
	`prev_hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `weight_changes` (
	`tick` integer NOT NULL,
	`pool` text NOT NULL,
	`count` integer NOT NULL,
	`payload` text NOT NULL,
	PRIMARY KEY(`tick`, `pool`)
);
