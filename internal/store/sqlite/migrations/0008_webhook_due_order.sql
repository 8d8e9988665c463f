-- Performance (issue #8). Keep in step with the other backend's migrations.
-- The delivery claim reads due deliveries in (next_attempt_at, id) order and
-- stops at its batch. With next_attempt_at alone the planner chose the
-- endpoint index instead (every delivery the endpoint ever had, then a
-- sort): a claim cost grew with the delivery history, 3 ms a claim after
-- ten seconds of 500 sales/s with a webhook. The index now holds the whole
-- order, so a claim reads its batch and the rows still leased before it.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
