package payment

import (
	"context"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// DefaultPOSCacheTTL is how long a merchant's POS list is reused for routing.
// Every payment routes over the merchant's POS; reading them from the
// database each time was a tenth of the sale path's reads. A change made
// through this node applies to its next payment at once; other nodes see it
// within the TTL.
const DefaultPOSCacheTTL = time.Second

type posCache struct {
	mu sync.Mutex
	m  map[string]cachedPOS // merchant id → list
}

type cachedPOS struct {
	at   time.Time
	list []*store.POS
}

// merchantPOS returns the merchant's POS, from the cache when fresh. The
// records are shared: callers must not modify them.
func (s *Service) merchantPOS(ctx context.Context, merchantID string) ([]*store.POS, error) {
	ttl := s.POSCacheTTL
	if ttl == 0 {
		ttl = DefaultPOSCacheTTL
	}
	now := time.Now()
	if ttl > 0 {
		s.poses.mu.Lock()
		c, ok := s.poses.m[merchantID]
		s.poses.mu.Unlock()
		if ok && now.Sub(c.at) < ttl {
			return c.list, nil
		}
	}
	list, err := s.Store.ListPOS(ctx, merchantID)
	if err != nil || ttl < 0 {
		return list, err
	}
	s.poses.mu.Lock()
	if s.poses.m == nil {
		s.poses.m = map[string]cachedPOS{}
	}
	s.poses.m[merchantID] = cachedPOS{at: now, list: list}
	s.poses.mu.Unlock()
	return list, nil
}

// forgetPOS drops a merchant's cached list after this node changed it.
func (s *Service) forgetPOS(merchantID string) {
	s.poses.mu.Lock()
	delete(s.poses.m, merchantID)
	s.poses.mu.Unlock()
}
