-- CreateTable
CREATE TABLE "CatalogAuditRun" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "score" INTEGER,
    "productCount" INTEGER NOT NULL DEFAULT 0,
    "imageCount" INTEGER NOT NULL DEFAULT 0,
    "groups" TEXT NOT NULL DEFAULT '{}',
    "options" TEXT NOT NULL DEFAULT '{}',
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CatalogAuditRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AltTextFillRun" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "overwrite" BOOLEAN NOT NULL DEFAULT false,
    "productIds" TEXT NOT NULL DEFAULT '[]',
    "total" INTEGER NOT NULL DEFAULT 0,
    "written" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "credits" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AltTextFillRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CatalogAuditRun_shop_createdAt_idx" ON "CatalogAuditRun"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "AltTextFillRun_shop_createdAt_idx" ON "AltTextFillRun"("shop", "createdAt");

