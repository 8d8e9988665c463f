package keyrotate

import (
	"context"
	"fmt"
	"sort"

	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
)

// Check is run at start-up: it pins the MAC root and refuses a keyring
// that lacks a KEK still wrapping stored values (fail closed rather than
// fail at the first payment; KEY-2).
func Check(ctx context.Context, st store.Store, kr *secret.Keyring) error {
	census, err := Census(ctx, st)
	if err != nil {
		return err
	}
	var missing []uint32
	for id := range census {
		if !kr.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return PinMACRoot(ctx, st, kr)
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
	return fmt.Errorf("KASA_MASTER_KEYS lacks key id %d, which still wraps %d stored values: put it back (after the new primary) and run kasa keys rotate before removing it",
		missing[0], census[missing[0]])
}
