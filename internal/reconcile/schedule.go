package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// ParseClock reads "HH:MM" (24-hour, Istanbul time).
func ParseClock(at string) (hour, minute int, err error) {
	hh, mm, ok := strings.Cut(at, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || len(hh) != 2 || len(mm) != 2 || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, fmt.Errorf("reconcile: time %q is not HH:MM", at)
	}
	return h, m, nil
}

// lastRun is the latest HH:MM Istanbul at or before now.
func lastRun(now time.Time, h, m int) time.Time {
	l := now.In(payment.Istanbul)
	t := time.Date(l.Year(), l.Month(), l.Day(), h, m, 0, 0, payment.Istanbul)
	if t.After(l) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// PreviousDay is the Istanbul day before t's Istanbul day.
func PreviousDay(t time.Time) string {
	return t.In(payment.Istanbul).AddDate(0, 0, -1).Format(time.DateOnly)
}

// RunScheduled reconciles day for every POS of every merchant that had
// payments that day, one stored report per POS (origin "scheduled"). A POS
// whose scheduled report for day exists already (this node's earlier run or
// another node's) is skipped; the database's unique index settles a race.
// It returns the number of reports stored.
func (s *Service) RunScheduled(ctx context.Context, day string) (int, error) {
	from, to, err := ParseDate(day)
	if err != nil {
		return 0, err
	}
	poses, err := s.Store.AllPOS(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, pos := range poses {
		if ctx.Err() != nil {
			break
		}
		done, err := s.Store.ListReconciliations(ctx, store.ReconciliationFilter{MerchantID: pos.MerchantID, Mode: pos.Mode,
			Date: day, POSID: pos.ID, Trigger: OriginScheduled, Limit: 1})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(done) > 0 {
			continue
		}
		some, err := s.Store.ListPayments(ctx, store.PaymentFilter{MerchantID: pos.MerchantID, Mode: pos.Mode, POSID: pos.ID, From: from, To: to, Limit: 1})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(some) == 0 {
			continue
		}
		req := Request{MerchantID: pos.MerchantID, Mode: pos.Mode, Date: day, POSID: pos.ID, Origin: OriginScheduled}
		rep, err := s.Compute(ctx, req, []*store.POS{pos})
		if err == nil {
			err = s.save(ctx, rep)
		}
		if errors.Is(err, store.ErrConflict) {
			continue // another node stored it first
		} else if err != nil {
			errs = append(errs, fmt.Errorf("pos %s: %w", pos.ID, err))
			continue
		}
		n++
		lvl := s.log().Info
		if rep.Summary.Mismatches > 0 {
			lvl = s.log().Warn
		}
		lvl("reconciliation completed", "reconciliation_id", rep.ID, "merchant_id", rep.MerchantID, "pos_id", pos.ID,
			"date", day, "status", rep.Status, "payments", rep.Summary.Payments, "mismatches", rep.Summary.Mismatches,
			"unverified", rep.Summary.Unverified)
	}
	return n, errors.Join(errs...)
}

// Schedule runs RunScheduled for the previous Istanbul day every day at
// at ("HH:MM" Istanbul), until ctx ends. At start it catches up on the
// latest run time already passed (a node that was down at 23:30 reconciles
// when it comes back; a day already reconciled is skipped).
func (s *Service) Schedule(ctx context.Context, at string) error {
	h, m, err := ParseClock(at)
	if err != nil {
		return err
	}
	for {
		last := lastRun(s.now(), h, m)
		if n, err := s.RunScheduled(ctx, PreviousDay(last)); err != nil && ctx.Err() == nil {
			s.log().Warn("scheduled reconciliation", "date", PreviousDay(last), "err", err)
		} else if n > 0 {
			s.log().Info("scheduled reconciliation stored reports", "date", PreviousDay(last), "reports", n)
		}
		next := last.AddDate(0, 0, 1)
		wait := next.Sub(s.now())
		if wait < time.Second {
			wait = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}
