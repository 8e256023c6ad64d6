-- CreateTable
CREATE TABLE "BuildShare" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "buildId" UUID NOT NULL,
    "keyHash" TEXT NOT NULL,
    "keySealed" TEXT NOT NULL,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BuildShare_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BuildShare_keyHash_key" ON "BuildShare"("keyHash");

-- CreateIndex
CREATE INDEX "BuildShare_buildId_idx" ON "BuildShare"("buildId");

-- CreateIndex
CREATE INDEX "BuildShare_expiresAt_idx" ON "BuildShare"("expiresAt");

-- AddForeignKey
ALTER TABLE "BuildShare" ADD CONSTRAINT "BuildShare_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildShare" ADD CONSTRAINT "BuildShare_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildShare" ADD CONSTRAINT "BuildShare_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
