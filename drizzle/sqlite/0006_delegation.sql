CREATE TABLE `delegated_credits` (
	`settlement_id` text NOT NULL,
	`account_id` integer NOT NULL,
	`target` text NOT NULL,
	`amount` text NOT NULL,
	PRIMARY KEY(`settlement_id`, `account_id`, `target`)
);
--> statement-breakpoint
CREATE TABLE `delegation_history` (
	`wallet` text NOT NULL,
	`tick` integer NOT NULL,
	`prefs` text NOT NULL,
	PRIMARY KEY(`wallet`, `tick`)
);
--> statement-breakpoint
CREATE INDEX `delegation_history_tick` ON `delegation_history` (`tick`);--> statement-breakpoint
CREATE TABLE `delegation_log` (
	`tick` integer PRIMARY KEY NOT NULL,
	`pin` text NOT NULL,
	`cursor` text NOT NULL,
	`count` integer NOT NULL,
	`payload` text NOT NULL,
	`notes` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `delegation_marks` (
	`account_id` integer NOT NULL,
	`tick` integer NOT NULL,
	`wallet` text NOT NULL,
	`accrued` text NOT NULL,
	PRIMARY KEY(`account_id`, `tick`)
);
--> statement-breakpoint
CREATE INDEX `delegation_marks_tick` ON `delegation_marks` (`tick`);--> statement-breakpoint
CREATE TABLE `delegations` (
	`wallet` text NOT NULL,
	`target` text NOT NULL,
	`factor` integer NOT NULL,
	`since_tick` integer NOT NULL,
	PRIMARY KEY(`wallet`, `target`)
);
--> statement-breakpoint
CREATE INDEX `delegations_target` ON `delegations` (`target`);--> statement-breakpoint
CREATE TABLE `reports` (
	`report_id` text PRIMARY KEY NOT NULL,
	`settlement_id` text NOT NULL,
	`project` text NOT NULL,
	`pool` text NOT NULL,
	`from_tick` integer NOT NULL,
	`to_tick` integer NOT NULL,
	`row_count` integer NOT NULL,
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
CREATE INDEX `reports_status` ON `reports` (`status`,`to_tick`);--> statement-breakpoint
CREATE UNIQUE INDEX `reports_settlement_project` ON `reports` (`settlement_id`,`project`);