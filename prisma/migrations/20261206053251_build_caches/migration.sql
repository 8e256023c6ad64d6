-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "cacheKeyFiles" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "cachePaths" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "cacheKeyFiles" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "cachePaths" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "BuildCache" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "branch" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "paths" TEXT[],
    "size" BIGINT NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "complete" BOOLEAN NOT NULL DEFAULT false,
    "buildNumber" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BuildCache_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BuildCacheChunk" (
    "cacheId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "BuildCacheChunk_pkey" PRIMARY KEY ("cacheId","seq")
);

-- CreateIndex
CREATE INDEX "BuildCache_profileId_branch_key_createdAt_idx" ON "BuildCache"("profileId", "branch", "key", "createdAt");

-- CreateIndex
CREATE INDEX "BuildCache_organizationId_idx" ON "BuildCache"("organizationId");

-- CreateIndex
CREATE INDEX "BuildCache_lastUsedAt_idx" ON "BuildCache"("lastUsedAt");

-- AddForeignKey
ALTER TABLE "BuildCache" ADD CONSTRAINT "BuildCache_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildCacheChunk" ADD CONSTRAINT "BuildCacheChunk_cacheId_fkey" FOREIGN KEY ("cacheId") REFERENCES "BuildCache"("id") ON DELETE CASCADE ON UPDATE CASCADE;
