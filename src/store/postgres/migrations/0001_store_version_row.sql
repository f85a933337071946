-- The change feed's one version row (see store_version in schema.ts); bumped by every commit that publishes tags.
INSERT INTO "store_version" ("id", "version") VALUES (1, 0) ON CONFLICT ("id") DO NOTHING;
