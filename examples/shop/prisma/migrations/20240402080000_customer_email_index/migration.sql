-- The safe way: one statement, outside a transaction, without blocking writes.
CREATE UNIQUE INDEX CONCURRENTLY "customers_email_key" ON "customers"("email");
