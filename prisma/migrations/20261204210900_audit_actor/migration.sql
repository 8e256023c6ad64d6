-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('USER', 'SYSTEM');

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "actorJob" TEXT,
ADD COLUMN     "actorKind" "ActorKind" NOT NULL DEFAULT 'USER';

-- Events written before actors were recorded without a person were Keel noticing something
-- on its own (a refused credential, an unreadable token): the system, with no job to name.
UPDATE "AuditEvent" SET "actorKind" = 'SYSTEM' WHERE "actorId" IS NULL;
