-- CreateEnum
CREATE TYPE "BuildStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'TIMED_OUT', 'ERROR');

-- CreateEnum
CREATE TYPE "BuildTrigger" AS ENUM ('MANUAL', 'PUSH', 'PULL_REQUEST', 'POLL');

-- CreateEnum
CREATE TYPE "BuildStepStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELED');

-- CreateEnum
CREATE TYPE "LogStream" AS ENUM ('OUT', 'ERR', 'SYSTEM');

-- CreateEnum
CREATE TYPE "BuildReportKind" AS ENUM ('COMMIT_STATUS', 'PR_STATUS', 'PR_COMMENT');

-- CreateEnum
CREATE TYPE "BuildReportState" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "buildTimeoutMinutes" INTEGER NOT NULL DEFAULT 30,
ADD COLUMN     "nextBuildNumber" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "workflowSteps" JSONB;

-- CreateTable
CREATE TABLE "BuildVariable" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "isSecret" BOOLEAN NOT NULL DEFAULT false,
    "value" TEXT,
    "valueSealed" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BuildVariable_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Build" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "status" "BuildStatus" NOT NULL DEFAULT 'QUEUED',
    "trigger" "BuildTrigger" NOT NULL,
    "requestedById" UUID,
    "idempotencyKey" TEXT NOT NULL,
    "commitId" TEXT NOT NULL,
    "branch" TEXT,
    "commitMessage" TEXT,
    "commitAuthor" TEXT,
    "pullRequestId" INTEGER,
    "pullRequestIteration" INTEGER,
    "sourceRef" TEXT,
    "targetRef" TEXT,
    "steps" JSONB NOT NULL,
    "timeoutSeconds" INTEGER NOT NULL,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "runId" UUID,
    "heartbeatAt" TIMESTAMP(3),
    "workerHost" TEXT,
    "workerPid" INTEGER,
    "cancelRequestedAt" TIMESTAMP(3),
    "canceledById" UUID,
    "statusReason" TEXT,
    "finding" JSONB,
    "logLines" INTEGER NOT NULL DEFAULT 0,
    "logBytes" INTEGER NOT NULL DEFAULT 0,
    "logTruncated" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Build_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BuildStep" (
    "buildId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "status" "BuildStepStatus" NOT NULL DEFAULT 'PENDING',
    "exitCode" INTEGER,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "BuildStep_pkey" PRIMARY KEY ("buildId","index")
);

-- CreateTable
CREATE TABLE "BuildLogLine" (
    "buildId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "stream" "LogStream" NOT NULL,
    "text" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BuildLogLine_pkey" PRIMARY KEY ("buildId","seq")
);

-- CreateTable
CREATE TABLE "BuildReport" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "buildId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" "BuildReportKind" NOT NULL,
    "buildStatus" "BuildStatus" NOT NULL,
    "state" "BuildReportState" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastAttemptAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "error" JSONB,
    "remote" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BuildReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PullRequestComment" (
    "organizationId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "pullRequestId" INTEGER NOT NULL,
    "threadId" INTEGER NOT NULL,
    "commentId" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PullRequestComment_pkey" PRIMARY KEY ("profileId","pullRequestId")
);

-- CreateIndex
CREATE INDEX "BuildVariable_organizationId_idx" ON "BuildVariable"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "BuildVariable_profileId_name_key" ON "BuildVariable"("profileId", "name");

-- CreateIndex
CREATE INDEX "Build_organizationId_queuedAt_idx" ON "Build"("organizationId", "queuedAt");

-- CreateIndex
CREATE INDEX "Build_profileId_queuedAt_idx" ON "Build"("profileId", "queuedAt");

-- CreateIndex
CREATE INDEX "Build_status_queuedAt_idx" ON "Build"("status", "queuedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Build_organizationId_idempotencyKey_key" ON "Build"("organizationId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Build_profileId_number_key" ON "Build"("profileId", "number");

-- CreateIndex
CREATE INDEX "BuildReport_organizationId_idx" ON "BuildReport"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "BuildReport_buildId_seq_key" ON "BuildReport"("buildId", "seq");

-- CreateIndex
CREATE INDEX "PullRequestComment_organizationId_idx" ON "PullRequestComment"("organizationId");

-- AddForeignKey
ALTER TABLE "BuildVariable" ADD CONSTRAINT "BuildVariable_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_canceledById_fkey" FOREIGN KEY ("canceledById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildStep" ADD CONSTRAINT "BuildStep_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildLogLine" ADD CONSTRAINT "BuildLogLine_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BuildReport" ADD CONSTRAINT "BuildReport_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "Build"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PullRequestComment" ADD CONSTRAINT "PullRequestComment_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
