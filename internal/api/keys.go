package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"hash/crc32"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
)

// API keys look like sk_test_<32 base62><6 base62 checksum>. The checksum lets
// a typo be refused before any database query; only an HMAC of the key under a
// server pepper is stored, so a stolen table opens nothing.

const (
	keyRandomLen = 32
	keyCheckLen  = 6
)

func keyChecksum(body string) string {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	c := crc32.ChecksumIEEE([]byte(body))
	out := make([]byte, keyCheckLen)
	for i := keyCheckLen - 1; i >= 0; i-- {
		out[i] = alpha[c%62]
		c /= 62
	}
	return string(out)
}

// wellFormedKey reports whether s has a key's shape and a valid checksum.
func wellFormedKey(s string) (store.Mode, bool) {
	var mode store.Mode
	switch {
	case strings.HasPrefix(s, "sk_test_"):
		mode = store.ModeTest
	case strings.HasPrefix(s, "sk_live_"):
		mode = store.ModeLive
	default:
		return "", false
	}
	if len(s) != len("sk_test_")+keyRandomLen+keyCheckLen {
		return "", false
	}
	body, sum := s[:len(s)-keyCheckLen], s[len(s)-keyCheckLen:]
	return mode, subtle.ConstantTimeCompare([]byte(keyChecksum(body)), []byte(sum)) == 1
}

func hashKey(kr *secret.Keyring, key string) []byte { return kr.MAC("api-key", []byte(key)) }

// CreateAPIKey makes a new key for a merchant and returns it in clear: the
// only time it is ever shown.
func CreateAPIKey(ctx context.Context, st store.Store, kr *secret.Keyring, merchantID string, mode store.Mode) (string, *store.APIKey, error) {
	if mode != store.ModeTest && mode != store.ModeLive {
		return "", nil, errors.New("api: mode must be test or live")
	}
	body := "sk_" + string(mode) + "_" + id.Random(keyRandomLen)
	key := body + keyChecksum(body)
	rec := &store.APIKey{ID: id.New("key"), MerchantID: merchantID, Mode: mode, Prefix: key[:12],
		Hash: hashKey(kr, key), CreatedAt: time.Now().UTC()}
	if err := st.CreateAPIKey(ctx, rec); err != nil {
		return "", nil, err
	}
	return key, rec, nil
}
