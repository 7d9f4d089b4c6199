CREATE TABLE `account_settled` (
	`id` integer PRIMARY KEY NOT NULL,
	`settled` text NOT NULL,
	FOREIGN KEY (`id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `account_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`recipient` text,
	`weight` text NOT NULL,
	`index_at_change` text NOT NULL,
	`accrued` text NOT NULL,
	`joined_tick` integer NOT NULL,
	`changed_tick` integer NOT NULL,
	FOREIGN KEY (`id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Added by hand to the generated migration: each account's state moves before its old columns are dropped.
INSERT INTO `account_state` (`id`, `recipient`, `weight`, `index_at_change`, `accrued`, `joined_tick`, `changed_tick`) SELECT `id`, `recipient`, `weight`, `index_at_change`, `accrued`, `joined_tick`, `changed_tick` FROM `accounts`;--> statement-breakpoint
INSERT INTO `account_settled` (`id`, `settled`) SELECT `id`, `settled` FROM `accounts` WHERE `settled` <> '0';--> statement-breakpoint
CREATE INDEX `account_state_recipient` ON `account_state` (`recipient`);--> statement-breakpoint
DROP INDEX `accounts_recipient`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `recipient`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `weight`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `index_at_change`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `accrued`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `settled`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `joined_tick`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `changed_tick`;