CREATE TABLE `store_facts` (
	`name` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
-- Stores from before this fact existed: initialised if a superuser exists (or any user: a fixture set was loaded).
INSERT INTO `store_facts` (`name`, `at`) SELECT 'initialised', MIN(`created_at`) FROM `users` HAVING COUNT(*) > 0;
