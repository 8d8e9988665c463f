-- Performance (issue #8). Keep in step with the other backend's migrations.
-- Every index a sale touches is a page written to the WAL at its intent and
-- again at its outcome (~6 us of system calls each on the development VM).
-- The frames of a sale, read from the WAL, showed three indexes that only
-- repeated what another one already held:
--
-- payments_to_resolve listed open payments across merchants. The resolver
-- now finds them through payments_list_status, merchant by merchant (open
-- payments are few, and each merchant is one index range per status).
DROP INDEX payments_to_resolve;
-- transactions_unresolved held every open bank call, the sale's own too,
-- whose payment is then open and already found as above. It now holds only
-- the calls on payments that are otherwise settled, or still in 3D Secure.
DROP INDEX transactions_unresolved;
CREATE INDEX transactions_unresolved ON transactions (created_at)
    WHERE status IN ('pending', 'unknown') AND kind IN ('capture', 'void', 'refund', 'three_d');
-- idempotency_keys_created served only the reaper, which now walks the
-- table in rowid order: insertion order, which is creation order.
DROP INDEX idempotency_keys_created;
