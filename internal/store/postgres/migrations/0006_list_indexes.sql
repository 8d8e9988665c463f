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

-- A payment link's payments: the link is written on the payment itself (it
-- was reached through the checkout session, and the planners walked the
-- merchant's history in index order rather than start from the sessions).
ALTER TABLE payments ADD COLUMN payment_link_id TEXT NOT NULL DEFAULT '';
UPDATE payments SET payment_link_id = (SELECT s.payment_link_id FROM checkout_sessions s WHERE s.id = payments.checkout_session_id)
    WHERE checkout_session_id <> ''
      AND EXISTS (SELECT 1 FROM checkout_sessions s WHERE s.id = payments.checkout_session_id);
CREATE INDEX payments_link ON payments (merchant_id, mode, payment_link_id, created_at, id)
    WHERE payment_link_id <> '';
