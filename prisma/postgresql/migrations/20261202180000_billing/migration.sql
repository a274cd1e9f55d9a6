-- CreateTable
CREATE TABLE "ShopBilling" (
    "shop" TEXT NOT NULL,
    "plan" TEXT NOT NULL DEFAULT 'free',
    "subscriptionId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'NONE',
    "test" BOOLEAN NOT NULL DEFAULT false,
    "activatedAt" TIMESTAMP(3),
    "currentPeriodEnd" TIMESTAMP(3),
    "usageLineItemId" TEXT,
    "cappedAmount" TEXT,
    "balanceUsed" TEXT,
    "currencyCode" TEXT,
    "capWarnedAt" TIMESTAMP(3),
    "capReachedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopBilling_pkey" PRIMARY KEY ("shop")
);

