package api

import (
	"context"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// keyCacheTTL bounds how long a node trusts an API key it has already looked
// up. It is what makes revocation effective "within seconds": a revoked key
// keeps working on a node for at most this long after the revoking commit,
// on every node alike (each node's entry expires on its own; no message
// between nodes is needed). Profiling the sale path showed the key lookup as
// one of the read queries of every request; at 2,000+ requests/s from a
// handful of keys, nearly all of them are hits.
const keyCacheTTL = 5 * time.Second

// keyCacheMax bounds memory against a flood of distinct valid keys: a full
// cache is emptied and refilled rather than grown.
const keyCacheMax = 10_000

// keyCache maps an API key's HMAC to its record. Only found, unrevoked keys
// are cached: a key created a moment ago works at once, and an unknown key
// always costs a query (the per-IP rate limits bound that).
type keyCache struct {
	mu  sync.Mutex
	m   map[string]keyCacheEntry
	now func() time.Time
}

type keyCacheEntry struct {
	key     *store.APIKey
	expires time.Time
}

// lookup returns the key whose hash is hash, from the cache when fresh.
func (c *keyCache) lookup(ctx context.Context, st store.Store, hash []byte) (*store.APIKey, error) {
	now := time.Now()
	if c.now != nil {
		now = c.now()
	}
	c.mu.Lock()
	e, ok := c.m[string(hash)]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.key, nil
	}
	k, err := st.APIKeyByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = make(map[string]keyCacheEntry)
	}
	c.m[string(hash)] = keyCacheEntry{key: k, expires: now.Add(keyCacheTTL)}
	c.mu.Unlock()
	return k, nil
}
