ALTER TABLE `users` ADD `temp_password_hash` text;--> statement-breakpoint
ALTER TABLE `users` ADD `temp_password_expires_at` integer;