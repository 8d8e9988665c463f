// Package keyrotate re-wraps every sealed value in the database under the
// keyring's primary KEK (kasa keys rotate, KEY-2), online: row by row, each
// write a compare-and-swap on the value it read, so a concurrent change by a
// running node is never overwritten (the row is re-read and tried again).
// Only the small wrapped data keys change; the data ciphertexts stay as they
// are. Running it again is harmless (rows already under the primary are
// skipped), so an interrupted rotation is resumed by running it again.
//
// It also pins the keyring's MAC root in the database (PinMACRoot), so that
// peppered values (API-key hashes, CSRF tokens, card fingerprints) survive
// the retirement of the KEK they were first derived from.
package keyrotate

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/webhook"
)

// MACRootName is the keyring_meta row of the pinned MAC root.
const MACRootName = "mac_root"

// AAD returns the additional data that binds a sealed value of col to its
// row: the same strings the sealing packages use (internal/payment for POS
// credentials and the 3D vault, internal/webhook for endpoint secrets). The
// end-to-end rotation test fails if they drift apart.
func AAD(col store.SealedColumn, key string) ([]byte, error) {
	switch col {
	case store.SealedPOSCredentials:
		return []byte("pos:" + key + ":credentials"), nil
	case store.SealedWebhookSecret:
		return webhook.SecretAAD(key), nil
	case store.SealedWebhookPrevSecret:
		return webhook.PrevSecretAAD(key), nil
	case store.SealedVault:
		return []byte("vault:" + key), nil
	case store.SealedKeyringMeta:
		return []byte("keyring:" + key), nil
	}
	return nil, fmt.Errorf("keyrotate: unknown sealed column %s", col)
}

// PinMACRoot makes the MAC root stored in the database the keyring's, storing
// the keyring's current one first if there is none (first start, or a
// database from before pinning: the current root is then the one its hashes
// were made with). Every process that hashes API keys must call it after
// loading the keyring.
func PinMACRoot(ctx context.Context, st store.Store, kr *secret.Keyring) error {
	aad, _ := AAD(store.SealedKeyringMeta, MACRootName)
	sealed, err := st.PutKeyringMeta(ctx, MACRootName, kr.Seal(kr.MACRoot(), aad))
	if err != nil {
		return fmt.Errorf("pin MAC root: %w", err)
	}
	root, err := kr.Open(sealed, aad)
	if err != nil {
		return fmt.Errorf("open the pinned MAC root (is a KEK still in use missing from KASA_MASTER_KEYS?): %w", err)
	}
	return kr.PinMACRoot(root)
}

// Counts is what a rotation did to one column.
type Counts struct {
	Column    string
	Scanned   int // rows read
	Rewrapped int // re-wrapped under the primary
	Current   int // already under the primary
	Retried   int // compare-and-swap lost to a concurrent writer, re-read
	Vanished  int // deleted while rotating (e.g. a vault entry at its payment's end)
	Failed    int // cannot be opened with this keyring and AAD: left untouched
}

// ErrFailed reports rows that could not be re-wrapped.
var ErrFailed = errors.New("keyrotate: some values could not be re-wrapped")

// Rotate re-wraps every sealed column under kr's primary, batch rows per
// page, calling progress after each column. It returns ErrFailed (after
// finishing every other row) if a value could not be opened.
func Rotate(ctx context.Context, st store.Store, kr *secret.Keyring, batch int, progress func(Counts)) ([]Counts, error) {
	if batch <= 0 {
		batch = 100
	}
	var all []Counts
	failed := false
	for _, col := range store.SealedColumns {
		c := Counts{Column: col.String()}
		after := ""
		for {
			page, err := st.ListSealed(ctx, col, after, batch)
			if err != nil {
				return all, err
			}
			for _, v := range page {
				after = v.Key
				c.Scanned++
				if err := rotateOne(ctx, st, kr, col, v, &c); err != nil {
					return all, err
				}
			}
			if len(page) < batch {
				break
			}
		}
		failed = failed || c.Failed > 0
		all = append(all, c)
		if progress != nil {
			progress(c)
		}
	}
	if failed {
		return all, ErrFailed
	}
	return all, nil
}

func rotateOne(ctx context.Context, st store.Store, kr *secret.Keyring, col store.SealedColumn, v store.SealedValue, c *Counts) error {
	aad, err := AAD(col, v.Key)
	if err != nil {
		return err
	}
	cur := v.Sealed
	for attempt := 0; ; attempt++ {
		out, changed, err := kr.Rewrap(cur, aad)
		switch {
		case err != nil:
			c.Failed++
			return nil
		case !changed:
			c.Current++
			return nil
		}
		ok, err := st.SwapSealed(ctx, col, v.Key, cur, out)
		if err != nil {
			return err
		}
		if ok {
			c.Rewrapped++
			return nil
		}
		// Changed under us: re-read and try again with what is there now.
		c.Retried++
		if attempt >= 10 {
			return fmt.Errorf("keyrotate: %s %s keeps changing", col, v.Key)
		}
		cur, err = st.GetSealed(ctx, col, v.Key)
		if errors.Is(err, store.ErrNotFound) || (err == nil && len(cur) == 0) {
			c.Vanished++
			return nil
		} else if err != nil {
			return err
		}
	}
}

// Census counts, per KEK id, the sealed values that KEK wraps: a KEK may be
// removed from KASA_MASTER_KEYS only when its count is zero.
func Census(ctx context.Context, st store.Store) (map[uint32]int, error) {
	out := map[uint32]int{}
	for _, col := range store.SealedColumns {
		after := ""
		for {
			page, err := st.ListSealed(ctx, col, after, 500)
			if err != nil {
				return nil, err
			}
			for _, v := range page {
				after = v.Key
				id, err := secret.KeyIDOf(v.Sealed)
				if err != nil {
					id = 0 // malformed: counted under 0
				}
				out[id]++
			}
			if len(page) < 500 {
				break
			}
		}
	}
	return out, nil
}
