-- CreateTable
CREATE TABLE "ProfileChatHook" (
    "profileId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "urlSealed" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "notify" TEXT NOT NULL DEFAULT 'changes',
    "lastSentAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProfileChatHook_pkey" PRIMARY KEY ("profileId")
);

-- CreateIndex
CREATE INDEX "ProfileChatHook_organizationId_idx" ON "ProfileChatHook"("organizationId");

-- AddForeignKey
ALTER TABLE "ProfileChatHook" ADD CONSTRAINT "ProfileChatHook_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
