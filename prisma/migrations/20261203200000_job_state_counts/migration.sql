-- AlterTable
ALTER TABLE "Job" ADD COLUMN "queuedCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Job" ADD COLUMN "reviewCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Job" ADD COLUMN "writingCount" INTEGER NOT NULL DEFAULT 0;

-- Existing jobs: the new counts from their items.
UPDATE "Job" SET
  "queuedCount" = (SELECT COUNT(*) FROM "JobItem" WHERE "JobItem"."jobId" = "Job"."id" AND "JobItem"."status" = 'queued'),
  "reviewCount" = (SELECT COUNT(*) FROM "JobItem" WHERE "JobItem"."jobId" = "Job"."id" AND "JobItem"."status" IN ('ready_for_review', 'approved')),
  "writingCount" = (SELECT COUNT(*) FROM "JobItem" WHERE "JobItem"."jobId" = "Job"."id" AND "JobItem"."status" = 'writing');
