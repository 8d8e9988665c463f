package web

import "net/http"

// FormatAmount writes an amount the way the locale does ("1.234,56 ₺" in
// Turkish, "₺1,234.56" in English); the merchant dashboard uses it too.
func FormatAmount(minor int64, currency, lang string) string {
	return formatAmount(minor, currency, lang)
}

// PickLang chooses "tr" or "en" from ?lang=, a posted lang field or
// Accept-Language, Turkish by default.
func PickLang(r *http.Request) string { return pickLang(r) }
