-- CreateTable
CREATE TABLE "TesterDevice" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "udid" TEXT NOT NULL,
    "testerName" TEXT,
    "product" TEXT,
    "osVersion" TEXT,
    "deviceName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TesterDevice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TesterDevice_organizationId_idx" ON "TesterDevice"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "TesterDevice_profileId_udid_key" ON "TesterDevice"("profileId", "udid");

-- AddForeignKey
ALTER TABLE "TesterDevice" ADD CONSTRAINT "TesterDevice_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
