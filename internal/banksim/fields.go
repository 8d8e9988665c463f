package banksim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Field rules several simulated hosts share. Each protocol still decides
// which rule applies to which of its fields.

// InstallmentLimit is the most installments a merchant may offer given its
// configured MaxInstallments: 0 means the usual 12, a negative value single
// payments only.
func InstallmentLimit(configured int) int {
	switch {
	case configured < 0:
		return 1
	case configured == 0:
		return 12
	}
	return configured
}

// ParseInstallments reads an installment count: "", "0" and "1" are a
// single payment; more than 99 is refused.
func ParseInstallments(s string) (int, bool) {
	if s == "" {
		return 1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 99 {
		return 0, false
	}
	return max(n, 1), true
}

// ParseCurrency reads an ISO 4217 numeric code among those the simulated
// hosts take: TRY, USD, EUR and GBP.
func ParseCurrency(numeric string) (money.Currency, bool) {
	switch numeric {
	case "949", "840", "978", "826":
		return money.MustCurrency(numeric), true
	}
	return money.Currency{}, false
}

// ParseAmount reads a positive decimal amount whose text matches the
// protocol's format.
func ParseAmount(format *regexp.Regexp, s string, c money.Currency) (money.Amount, bool) {
	if !format.MatchString(s) {
		return money.Amount{}, false
	}
	a, err := money.ParseDecimal(s, c)
	if err != nil || a.Minor <= 0 {
		return money.Amount{}, false
	}
	return a, true
}

var reMMYY = regexp.MustCompile(`^(0[1-9]|1[0-2])[0-9]{2}$`)

// ParseMMYY reads a card expiry written MMYY.
func ParseMMYY(s string) (card.Expiry, bool) {
	if !reMMYY.MatchString(s) {
		return card.Expiry{}, false
	}
	mm, _ := strconv.Atoi(s[:2])
	yy, _ := strconv.Atoi(s[2:])
	e, err := card.NewExpiry(mm, yy)
	return e, err == nil
}

// GroupedAmount renders minor units (two decimals) as Turkish hosts list
// amounts in their order queries: major units with a thousands dot and a
// decimal comma ("1.234,50").
func GroupedAmount(minor int64) string {
	major := strconv.FormatInt(minor/100, 10)
	var b strings.Builder
	for i, c := range major {
		if i > 0 && (len(major)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s,%02d", b.String(), minor%100)
}
