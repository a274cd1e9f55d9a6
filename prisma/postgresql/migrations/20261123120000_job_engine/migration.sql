-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "autoApprove" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "canceledAt" TIMESTAMP(3),
ADD COLUMN     "intake" TEXT NOT NULL DEFAULT 'pending',
ADD COLUMN     "intakeError" TEXT,
ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'replace',
ADD COLUMN     "selection" TEXT NOT NULL DEFAULT '{}',
ADD COLUMN     "skipped" TEXT NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "JobItem" ADD COLUMN     "alt" TEXT,
ADD COLUMN     "errorCode" TEXT,
ADD COLUMN     "originalKey" TEXT,
ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sourceUrl" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Variant" ADD COLUMN     "altText" TEXT,
ADD COLUMN     "bytes" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "notes" TEXT NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "WriteBack" ADD COLUMN     "method" TEXT,
ADD COLUMN     "progress" TEXT NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "PredictionLedgerEntry" (
    "key" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "model" TEXT,
    "fingerprint" TEXT,
    "predictionId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PredictionLedgerEntry_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "ProductWriteLock" (
    "shop" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProductWriteLock_pkey" PRIMARY KEY ("shop","productId")
);

-- CreateIndex
CREATE INDEX "PredictionLedgerEntry_shop_idx" ON "PredictionLedgerEntry"("shop");

-- CreateIndex
CREATE INDEX "PredictionLedgerEntry_updatedAt_idx" ON "PredictionLedgerEntry"("updatedAt");

