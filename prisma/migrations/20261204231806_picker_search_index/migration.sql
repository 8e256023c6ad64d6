-- CreateExtension (written by hand: schema.prisma does not declare extensions). pg_trgm is a
-- trusted extension since PostgreSQL 13: the database owner creates it without superuser rights.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterTable
ALTER TABLE "RepositoryListing" ADD COLUMN     "readyProjects" INTEGER,
ADD COLUMN     "readyRepositories" INTEGER;

-- CreateIndex
CREATE INDEX "ListedProject_nameKey_idx" ON "ListedProject" USING GIN ("nameKey" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "ListedRepository_nameKey_idx" ON "ListedRepository" USING GIN ("nameKey" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "ListedRepository_projectNameKey_idx" ON "ListedRepository" USING GIN ("projectNameKey" gin_trgm_ops);
