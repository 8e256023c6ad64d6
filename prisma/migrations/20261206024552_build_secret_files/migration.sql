-- CreateTable
CREATE TABLE "BuildSecretFile" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "variable" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentSealed" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "uploadedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BuildSecretFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BuildSecretFile_organizationId_idx" ON "BuildSecretFile"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "BuildSecretFile_profileId_variable_key" ON "BuildSecretFile"("profileId", "variable");

-- AddForeignKey
ALTER TABLE "BuildSecretFile" ADD CONSTRAINT "BuildSecretFile_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
