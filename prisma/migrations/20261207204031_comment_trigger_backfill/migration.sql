-- Builds started by a `/keel build` comment before the trigger had its own value were recorded
-- as MANUAL, and their idempotency key says which they are. This is apart from the ALTER TYPE
-- that adds the value: PostgreSQL refuses a new enum value in the transaction that added it.
UPDATE "Build" SET "trigger" = 'COMMENT' WHERE "trigger" = 'MANUAL' AND "idempotencyKey" LIKE 'comment:%';
