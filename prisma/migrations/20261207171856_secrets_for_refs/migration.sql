-- CreateEnum
CREATE TYPE "SecretsWithheldFor" AS ENUM ('FORK', 'REF');

-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "secretsWithheldFor" "SecretsWithheldFor",
ADD COLUMN     "secretsWithheldWhy" TEXT;

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "secretRefs" JSONB;

-- Builds withheld before the reason was recorded were all pull requests from forks.
UPDATE "Build" SET "secretsWithheldFor" = 'FORK' WHERE "secretsWithheld";
