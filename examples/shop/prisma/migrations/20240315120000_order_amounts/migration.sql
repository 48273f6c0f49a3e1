-- Amounts outgrew integer cents.
ALTER TABLE "orders" ALTER COLUMN "amount" TYPE BIGINT;

-- Every order needs a currency now.
ALTER TABLE "orders" ADD COLUMN "currency" CHAR(3) NOT NULL;

ALTER TABLE "orders" ADD CONSTRAINT "orders_amount_positive" CHECK ("amount" > 0);

CREATE INDEX "orders_status_idx" ON "orders"("status");
