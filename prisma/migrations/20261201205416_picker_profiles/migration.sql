-- CreateEnum
CREATE TYPE "BuildPlatform" AS ENUM ('IOS', 'ANDROID', 'REACT_NATIVE', 'FLUTTER', 'DOTNET_MAUI', 'OTHER');

-- CreateEnum
CREATE TYPE "ListingStatus" AS ENUM ('RUNNING', 'READY', 'FAILED');

-- DropIndex
DROP INDEX "BuildProfile_organizationId_idx";

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "defaultBranch" TEXT,
ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "nameKey" TEXT NOT NULL,
ADD COLUMN     "platform" "BuildPlatform" NOT NULL,
ADD COLUMN     "projectId" TEXT NOT NULL,
ADD COLUMN     "projectName" TEXT NOT NULL,
ADD COLUMN     "remoteUrl" TEXT,
ADD COLUMN     "repositoryId" TEXT NOT NULL,
ADD COLUMN     "repositoryName" TEXT NOT NULL,
ADD COLUMN     "sshUrl" TEXT,
ADD COLUMN     "webUrl" TEXT;

-- CreateTable
CREATE TABLE "RepositoryListing" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "status" "ListingStatus" NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "readyGeneration" INTEGER,
    "runId" UUID,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "projectsFound" INTEGER NOT NULL DEFAULT 0,
    "projectsTotal" INTEGER,
    "projectsListed" INTEGER NOT NULL DEFAULT 0,
    "projectsFailed" INTEGER NOT NULL DEFAULT 0,
    "repositoriesListed" INTEGER NOT NULL DEFAULT 0,
    "error" JSONB,
    "requestedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RepositoryListing_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ListedProject" (
    "connectionId" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "description" TEXT,
    "repositoryCount" INTEGER,
    "error" TEXT,

    CONSTRAINT "ListedProject_pkey" PRIMARY KEY ("connectionId","generation","projectId")
);

-- CreateTable
CREATE TABLE "ListedRepository" (
    "connectionId" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "projectName" TEXT NOT NULL,
    "projectNameKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "defaultBranch" TEXT,
    "size" BIGINT,
    "isDisabled" BOOLEAN NOT NULL DEFAULT false,
    "isFork" BOOLEAN NOT NULL DEFAULT false,
    "isEmpty" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "ListedRepository_pkey" PRIMARY KEY ("connectionId","generation","repositoryId")
);

-- CreateIndex
CREATE UNIQUE INDEX "RepositoryListing_connectionId_key" ON "RepositoryListing"("connectionId");

-- CreateIndex
CREATE INDEX "RepositoryListing_organizationId_idx" ON "RepositoryListing"("organizationId");

-- CreateIndex
CREATE INDEX "ListedProject_connectionId_generation_nameKey_projectId_idx" ON "ListedProject"("connectionId", "generation", "nameKey", "projectId");

-- CreateIndex
CREATE INDEX "ListedRepository_connectionId_generation_nameKey_repository_idx" ON "ListedRepository"("connectionId", "generation", "nameKey", "repositoryId");

-- CreateIndex
CREATE INDEX "ListedRepository_connectionId_generation_projectId_nameKey__idx" ON "ListedRepository"("connectionId", "generation", "projectId", "nameKey", "repositoryId");

-- CreateIndex
CREATE INDEX "BuildProfile_organizationId_createdAt_idx" ON "BuildProfile"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "BuildProfile_organizationId_nameKey_key" ON "BuildProfile"("organizationId", "nameKey");

-- CreateIndex
CREATE UNIQUE INDEX "BuildProfile_organizationId_idempotencyKey_key" ON "BuildProfile"("organizationId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "RepositoryListing" ADD CONSTRAINT "RepositoryListing_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryListing" ADD CONSTRAINT "RepositoryListing_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ListedProject" ADD CONSTRAINT "ListedProject_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ListedRepository" ADD CONSTRAINT "ListedRepository_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
