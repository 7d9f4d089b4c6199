ALTER TABLE `pools` ADD `accrued_sum` text;--> statement-breakpoint
ALTER TABLE `pools` ADD `weight_index_sum` text;