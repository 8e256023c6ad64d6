-- AlterTable
ALTER TABLE "BuildStep" ADD COLUMN     "retries" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "tries" INTEGER NOT NULL DEFAULT 0;

-- Steps that started before tries were counted were started once.
UPDATE "BuildStep" SET "tries" = 1 WHERE "startedAt" IS NOT NULL;
