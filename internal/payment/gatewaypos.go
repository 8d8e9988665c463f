package payment

import (
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/store"
)

// GatewayForPOS returns the (cached) gateway of a POS, for read-only callers
// outside the payment engine such as end-of-day reconciliation (issue #5).
func (s *Service) GatewayForPOS(p *store.POS) (gateway.Gateway, error) {
	gw, _, err := s.gatewayFor(p)
	return gw, err
}

// BankCallTimeout is the bound on one bank call (the service's BankTimeout
// or the gateway default).
func (s *Service) BankCallTimeout() time.Duration { return s.bankTimeout() }

// POSCredentials opens a POS's sealed credentials, for pages that show the
// non-secret ones (the dashboard's bank pages). Secret values must never be
// rendered.
func (s *Service) POSCredentials(p *store.POS) (map[string]string, error) {
	return s.openCredentials(p)
}
