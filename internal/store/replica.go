package store

import "context"

// Reporting returns primary with the dashboard's heavy reads — payment
// lists, CSV exports and analytics — served by replica (a PostgreSQL read
// replica). Everything else, including every read that follows a write of
// the same request, stays on primary, so a lagging replica only delays what
// the lists and charts show; it never feeds a decision about money.
func Reporting(primary, replica Store) Store { return reporting{primary, replica} }

type reporting struct {
	Store
	replica Store
}

func (r reporting) ListPayments(ctx context.Context, f PaymentFilter) ([]*Payment, error) {
	return r.replica.ListPayments(ctx, f)
}

func (r reporting) PaymentStats(ctx context.Context, f StatsFilter, group string) ([]StatsRow, error) {
	return r.replica.PaymentStats(ctx, f, group)
}
