-- AlterTable
ALTER TABLE "User" ADD COLUMN     "lastSignInAt" TIMESTAMP(3);

-- Until now a sign-in was only in the audit log: each member's newest one is their last sign-in.
UPDATE "User" u SET "lastSignInAt" = a.last
FROM (SELECT "actorId", max("createdAt") AS last FROM "AuditEvent" WHERE action = 'auth.signed_in' AND "actorId" IS NOT NULL GROUP BY "actorId") a
WHERE a."actorId" = u.id;
