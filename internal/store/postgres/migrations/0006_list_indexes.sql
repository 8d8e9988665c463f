-- Performance (issue #8). Keep in step with the other backend's migrations.
-- Rebuilding these indexes on a large payments table takes minutes and
-- blocks writes meanwhile: run `kasa migrate` in a maintenance window.
--
-- Same shape as on SQLite, where the newest-first declaration cost pages:
-- ascending list indexes; newest-first lists scan them backwards.
DROP INDEX payments_list;
DROP INDEX payments_list_order;
DROP INDEX payments_list_last4;
DROP INDEX payments_list_status;
CREATE INDEX payments_list ON payments (merchant_id, mode, created_at, id);
CREATE INDEX payments_list_order ON payments (merchant_id, mode, order_id, created_at, id);
CREATE INDEX payments_list_last4 ON payments (merchant_id, mode, card_last4, created_at, id);
CREATE INDEX payments_list_status ON payments (merchant_id, mode, status, created_at, id);
-- A checkout session's (and through it a payment link's) payments: with the
-- merchant and mode first, the planners pick this index over payments_list,
-- which would walk the merchant's whole history to find a session's few
-- attempts (ExplainListPayments' test showed it).
DROP INDEX payments_checkout_session;
CREATE INDEX payments_checkout_session ON payments (merchant_id, mode, checkout_session_id, created_at, id)
    WHERE checkout_session_id <> '';
