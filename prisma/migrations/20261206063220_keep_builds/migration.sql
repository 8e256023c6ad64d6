-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "keptAt" TIMESTAMP(3),
ADD COLUMN     "keptById" UUID;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_keptById_fkey" FOREIGN KEY ("keptById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
