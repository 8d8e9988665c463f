package client_test

import (
	"time"

	"github.com/kasapos/kasa/internal/money"
)

var istanbul = time.FixedZone("TRT", 3*60*60)

func moneyTRY() money.Currency { return money.TRY }
