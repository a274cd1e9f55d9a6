-- AlterTable
ALTER TABLE "JobItem" ADD COLUMN     "productTitle" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Variant" ADD COLUMN     "maskKey" TEXT,
ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'recipe',
ADD COLUMN     "prompt" TEXT;

-- CreateTable
CREATE TABLE "ShopSettings" (
    "shop" TEXT NOT NULL,
    "defaultPreset" TEXT NOT NULL DEFAULT 'amazon',
    "backgroundColor" TEXT NOT NULL DEFAULT '#ffffff',
    "writeMode" TEXT NOT NULL DEFAULT 'replace',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "altText" BOOLEAN NOT NULL DEFAULT true,
    "retentionDays" INTEGER NOT NULL DEFAULT 30,
    "resultRetentionDays" INTEGER NOT NULL DEFAULT 180,
    "aiProvider" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopSettings_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "SavedRecipe" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "recipe" TEXT NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'replace',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SavedRecipe_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImageFacts" (
    "shop" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "sourceUrl" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "whiteBackground" BOOLEAN NOT NULL,
    "analyzedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImageFacts_pkey" PRIMARY KEY ("shop","mediaId")
);

-- CreateTable
CREATE TABLE "CreditAccount" (
    "shop" TEXT NOT NULL,
    "available" INTEGER NOT NULL DEFAULT 0,
    "held" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CreditAccount_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "CreditLedgerEntry" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "jobId" TEXT,
    "jobItemId" TEXT,
    "description" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CreditLedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SavedRecipe_shop_name_key" ON "SavedRecipe"("shop", "name");

-- CreateIndex
CREATE INDEX "ImageFacts_shop_productId_idx" ON "ImageFacts"("shop", "productId");

-- CreateIndex
CREATE INDEX "CreditLedgerEntry_shop_createdAt_idx" ON "CreditLedgerEntry"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "CreditLedgerEntry_shop_jobId_idx" ON "CreditLedgerEntry"("shop", "jobId");

-- CreateIndex
CREATE UNIQUE INDEX "CreditLedgerEntry_shop_idempotencyKey_key" ON "CreditLedgerEntry"("shop", "idempotencyKey");

