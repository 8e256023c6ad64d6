-- CreateEnum
CREATE TYPE "HookSubscriptionState" AS ENUM ('PENDING', 'ACTIVE', 'NO_PERMISSION', 'FAILED');

-- CreateEnum
CREATE TYPE "HookDeliverySource" AS ENUM ('HOOK', 'BACKFILL');

-- CreateEnum
CREATE TYPE "HookDeliveryStatus" AS ENUM ('RECEIVED', 'PROCESSED', 'UNPROCESSABLE', 'FAILED');

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "triggers" JSONB;

-- CreateTable
CREATE TABLE "HookSubscription" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "projectId" TEXT NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "urlKey" TEXT NOT NULL,
    "basicUsername" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "passwordSealed" TEXT NOT NULL,
    "remoteId" TEXT,
    "state" "HookSubscriptionState" NOT NULL DEFAULT 'PENDING',
    "remoteStatus" TEXT,
    "finding" JSONB,
    "lastVerifiedAt" TIMESTAMP(3),
    "lastRepairedAt" TIMESTAMP(3),
    "lastDeliveryAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HookSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HookDelivery" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "subscriptionId" UUID,
    "remoteSubscriptionId" TEXT NOT NULL,
    "notificationId" INTEGER,
    "eventId" TEXT,
    "eventType" TEXT NOT NULL,
    "source" "HookDeliverySource" NOT NULL DEFAULT 'HOOK',
    "status" "HookDeliveryStatus" NOT NULL DEFAULT 'RECEIVED',
    "reason" TEXT,
    "repositoryId" TEXT,
    "branch" TEXT,
    "commitId" TEXT,
    "pullRequestId" INTEGER,
    "payload" JSONB NOT NULL,
    "outcome" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "HookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PollCursor" (
    "connectionId" UUID NOT NULL,
    "repositoryId" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "objectId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PollCursor_pkey" PRIMARY KEY ("connectionId","repositoryId","ref")
);

-- CreateIndex
CREATE UNIQUE INDEX "HookSubscription_urlKey_key" ON "HookSubscription"("urlKey");

-- CreateIndex
CREATE INDEX "HookSubscription_organizationId_idx" ON "HookSubscription"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "HookSubscription_connectionId_repositoryId_eventType_key" ON "HookSubscription"("connectionId", "repositoryId", "eventType");

-- CreateIndex
CREATE INDEX "HookDelivery_organizationId_connectionId_receivedAt_idx" ON "HookDelivery"("organizationId", "connectionId", "receivedAt" DESC);

-- CreateIndex
CREATE INDEX "HookDelivery_connectionId_repositoryId_receivedAt_idx" ON "HookDelivery"("connectionId", "repositoryId", "receivedAt" DESC);

-- CreateIndex
CREATE INDEX "HookDelivery_status_receivedAt_idx" ON "HookDelivery"("status", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "HookDelivery_remoteSubscriptionId_notificationId_key" ON "HookDelivery"("remoteSubscriptionId", "notificationId");

-- AddForeignKey
ALTER TABLE "HookSubscription" ADD CONSTRAINT "HookSubscription_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HookSubscription" ADD CONSTRAINT "HookSubscription_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HookDelivery" ADD CONSTRAINT "HookDelivery_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HookDelivery" ADD CONSTRAINT "HookDelivery_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HookDelivery" ADD CONSTRAINT "HookDelivery_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "HookSubscription"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PollCursor" ADD CONSTRAINT "PollCursor_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
