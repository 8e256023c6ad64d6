-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "artifactPatterns" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "artifactPatterns" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "BuildArtifact" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "buildId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "complete" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BuildArtifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BuildArtifactChunk" (
    "artifactId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "BuildArtifactChunk_pkey" PRIMARY KEY ("artifactId","seq")
);

-- CreateIndex
CREATE INDEX "BuildArtifact_buildId_idx" ON "BuildArtifact"("buildId");

-- CreateIndex
CREATE INDEX "BuildArtifact_organizationId_createdAt_idx" ON "BuildArtifact"("organizationId", "createdAt");

-- AddForeignKey
ALTER TABLE "BuildArtifact" ADD CONSTRAINT "BuildArtifact_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildArtifactChunk" ADD CONSTRAINT "BuildArtifactChunk_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "BuildArtifact"("id") ON DELETE CASCADE ON UPDATE CASCADE;
