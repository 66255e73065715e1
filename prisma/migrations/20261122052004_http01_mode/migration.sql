-- CreateEnum
CREATE TYPE "Http01Mode" AS ENUM ('proxy', 'pull');

-- AlterTable
ALTER TABLE "certificate_requests" ADD COLUMN     "http01Mode" "Http01Mode";
