-- CreateTable
CREATE TABLE "ScheduleLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastRunAt" TIMESTAMP(3),

    CONSTRAINT "ScheduleLease_pkey" PRIMARY KEY ("name")
);

