-- AlterTable
ALTER TABLE "BuildVariable" ADD COLUMN     "groupId" UUID,
ALTER COLUMN "profileId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "VariableGroup" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "idempotencyKey" UUID NOT NULL,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VariableGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProfileVariableGroup" (
    "profileId" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProfileVariableGroup_pkey" PRIMARY KEY ("profileId","groupId")
);

-- CreateIndex
CREATE UNIQUE INDEX "VariableGroup_organizationId_nameKey_key" ON "VariableGroup"("organizationId", "nameKey");

-- CreateIndex
CREATE UNIQUE INDEX "VariableGroup_organizationId_idempotencyKey_key" ON "VariableGroup"("organizationId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "ProfileVariableGroup_groupId_idx" ON "ProfileVariableGroup"("groupId");

-- CreateIndex
CREATE UNIQUE INDEX "BuildVariable_groupId_name_key" ON "BuildVariable"("groupId", "name");

-- AddForeignKey
ALTER TABLE "BuildVariable" ADD CONSTRAINT "BuildVariable_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "VariableGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VariableGroup" ADD CONSTRAINT "VariableGroup_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProfileVariableGroup" ADD CONSTRAINT "ProfileVariableGroup_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProfileVariableGroup" ADD CONSTRAINT "ProfileVariableGroup_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "VariableGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A variable belongs to a profile's workflow or to a variable group, never both, never neither.
ALTER TABLE "BuildVariable" ADD CONSTRAINT "BuildVariable_one_owner" CHECK (("profileId" IS NULL) <> ("groupId" IS NULL));
