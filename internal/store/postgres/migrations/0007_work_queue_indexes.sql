-- Performance (issue #8). Keep in step with the other backend's migrations.
-- Each index a sale touches is written at its intent and again at its
-- outcome; these three only repeated what another one held (see the SQLite
-- migration for how that was found).
DROP INDEX payments_to_resolve;
DROP INDEX transactions_unresolved;
CREATE INDEX transactions_unresolved ON transactions (created_at)
    WHERE status IN ('pending', 'unknown') AND kind IN ('capture', 'void', 'refund', 'three_d');
-- The reaper's range on creation time: a BRIN index is a summary per block
-- range, which an insert into the table's newest (unsummarised) blocks does
-- not touch, where the B-tree took an entry per key.
DROP INDEX idempotency_keys_created;
CREATE INDEX idempotency_keys_created ON idempotency_keys USING brin (created_at);
