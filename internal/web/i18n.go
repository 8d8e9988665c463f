package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/store"
)

// The checkout pages speak Turkish (the default) and English. The language
// comes from ?lang=, else the browser's Accept-Language; a POST carries it in
// a hidden field so a re-rendered form keeps it.

var texts = map[string]map[string]string{
	"tr": {
		"lang": "tr", "other_lang": "en", "other_lang_name": "English",
		"title": "Güvenli ödeme", "amount": "Tutar", "test_mode": "Test modu: gerçek kart kullanmayın",
		"card_number": "Kart numarası", "expiry": "Son kullanma (AA/YY)", "expiry_ph": "AA/YY",
		"cvc": "Güvenlik kodu (CVV)", "holder": "Kart üzerindeki isim", "installments": "Taksit seçenekleri",
		"single": "Tek çekim", "n_installments": "%d taksit", "total": "toplam", "pay": "%s öde", "processing": "İşleniyor…",
		"secure_note":        "Kart bilgileriniz yalnızca bu ödeme için bankanıza iletilir ve saklanmaz.",
		"err_number_missing": "Kart numarasını girin.", "err_number_incomplete": "Kart numarası eksik.",
		"err_number_invalid": "Kart numarası geçersiz; lütfen kontrol edin.",
		"err_exp_invalid":    "Son kullanma tarihini AA/YY biçiminde girin.", "err_exp_past": "Kartın son kullanma tarihi geçmiş.",
		"err_cvc_invalid":    "Güvenlik kodu 3 haneli olmalı (American Express kartlarda 4).",
		"err_holder_missing": "Kart üzerindeki ismi girin.", "err_installments": "Sunulan taksit seçeneklerinden birini seçin.",
		"err_generic":    "Ödeme şu an alınamıyor. Lütfen biraz sonra tekrar deneyin.",
		"declined_title": "Ödeme onaylanmadı", "try_again": "Tekrar deneyebilir ya da başka bir kart kullanabilirsiniz.",
		"bank_code":  "banka kodu",
		"paid_title": "Ödemeniz alındı", "authorized_title": "Ödemeniz onaylandı", "close_page": "Bu sayfayı kapatabilirsiniz.",
		"reference": "İşlem numarası", "card": "Kart", "merchant": "Üye işyeri", "description": "Açıklama",
		"pending_title": "Ödemeniz işleniyor", "pending_text": "Bankanızın yanıtı bekleniyor; bu sayfa kendini yenileyecek. Lütfen tekrar ödeme yapmayın.",
		"threeds_title": "Banka doğrulaması bekleniyor", "threeds_text": "Bu ödeme için bankanızın 3-D Secure doğrulaması başlatıldı.",
		"threeds_continue": "Bankanıza devam edin",
		"not_found_title":  "Ödeme sayfası bulunamadı", "not_found_text": "Bağlantıyı kontrol edin ya da satıcıdan yenisini isteyin.",
		"expired_title": "Ödeme sayfasının süresi doldu", "expired_text": "Ödeme yapmak için satıcının sitesine dönüp yeniden başlayın.",
		"paid_link_title": "Bu bağlantıyla ödeme zaten yapıldı", "paid_link_text": "Tek kullanımlık bu ödeme bağlantısı kullanıldı; tekrar ödeme yapmanız gerekmiyor.",
		"disabled_title": "Ödeme bağlantısı artık geçerli değil", "disabled_text": "Satıcı bu bağlantıyı kapattı. Gerekirse satıcıyla iletişime geçin.",
		"csrf_title": "Oturum doğrulanamadı", "csrf_text": "Sayfayı yenileyip tekrar deneyin. Kartınızdan para çekilmedi.",
	},
	"en": {
		"lang": "en", "other_lang": "tr", "other_lang_name": "Türkçe",
		"title": "Secure payment", "amount": "Amount", "test_mode": "Test mode: do not use a real card",
		"card_number": "Card number", "expiry": "Expiry (MM/YY)", "expiry_ph": "MM/YY",
		"cvc": "Security code (CVV)", "holder": "Name on card", "installments": "Installments",
		"single": "Single payment", "n_installments": "%d installments", "total": "total", "pay": "Pay %s", "processing": "Processing…",
		"secure_note":        "Your card details go to your bank for this payment only and are not stored.",
		"err_number_missing": "Enter the card number.", "err_number_incomplete": "The card number is incomplete.",
		"err_number_invalid": "The card number is not valid; please check it.",
		"err_exp_invalid":    "Enter the expiry date as MM/YY.", "err_exp_past": "This card has expired.",
		"err_cvc_invalid":    "The security code has 3 digits (4 on American Express cards).",
		"err_holder_missing": "Enter the name on the card.", "err_installments": "Choose one of the installment options offered.",
		"err_generic":    "The payment cannot be taken right now. Please try again shortly.",
		"declined_title": "Payment declined", "try_again": "You can try again, or use another card.",
		"bank_code":  "bank code",
		"paid_title": "Payment received", "authorized_title": "Payment approved", "close_page": "You can close this page.",
		"reference": "Payment reference", "card": "Card", "merchant": "Merchant", "description": "Description",
		"pending_title": "Your payment is being processed", "pending_text": "Waiting for your bank; this page refreshes itself. Please do not pay again.",
		"threeds_title": "Bank verification pending", "threeds_text": "Your bank's 3-D Secure verification was started for this payment.",
		"threeds_continue": "Continue to your bank",
		"not_found_title":  "Payment page not found", "not_found_text": "Check the link, or ask the seller for a new one.",
		"expired_title": "This payment page has expired", "expired_text": "Go back to the seller's site and start again to pay.",
		"paid_link_title": "This link has already been paid", "paid_link_text": "This single-use payment link was used; you do not need to pay again.",
		"disabled_title": "This payment link is no longer active", "disabled_text": "The seller has disabled this link. Contact the seller if needed.",
		"csrf_title": "Your session could not be verified", "csrf_text": "Reload the page and try again. Nothing was charged.",
	},
}

// declineTexts explain a bank's answer in plain words (by decline reason).
var declineTexts = map[string][2]string{
	"insufficient_funds":        {"Kartınızın bakiyesi ya da limiti bu ödeme için yetersiz.", "Your card's balance or limit is not enough for this payment."},
	"do_not_honour":             {"Bankanız bu ödemeyi onaylamadı.", "Your bank did not approve this payment."},
	"invalid_card":              {"Bankanız kart bilgilerini geçersiz buldu.", "Your bank reports the card details as invalid."},
	"expired_card":              {"Kartın süresi dolmuş.", "The card has expired."},
	"lost_or_stolen":            {"Bu kartla işlem yapılamıyor; lütfen bankanızla görüşün.", "This card cannot be used; please contact your bank."},
	"fraud_suspected":           {"Bu kartla işlem yapılamıyor; lütfen bankanızla görüşün.", "This card cannot be used; please contact your bank."},
	"limit_exceeded":            {"Kartınızın işlem limiti aşıldı.", "Your card's transaction limit has been exceeded."},
	"invalid_cvv":               {"Güvenlik kodu (CVV) hatalı.", "The security code (CVV) is wrong."},
	"call_issuer":               {"Bankanız onaydan önce sizinle görüşmek istiyor; lütfen bankanızı arayın.", "Your bank needs to talk to you before approving; please call your bank."},
	"invalid_transaction":       {"Bu kart bu tür bir ödemeye kapalı.", "This card is not enabled for this kind of payment."},
	"transaction_not_permitted": {"Bu kart bu tür bir ödemeye kapalı.", "This card is not enabled for this kind of payment."},
	"installments_not_allowed":  {"Bu kart taksitli ödemeyi desteklemiyor; tek çekim deneyin.", "This card does not allow installments; try a single payment."},
	"system_error":              {"Bankanız şu an yanıt veremiyor; lütfen biraz sonra tekrar deneyin.", "Your bank cannot answer right now; please try again shortly."},
	"authentication_failed":     {"3-D Secure doğrulaması tamamlanmadı (kod hatalı ya da işlem iptal edildi).", "3-D Secure verification was not completed (wrong code, or cancelled)."},
}

// declineText explains a declined or failed attempt.
func declineText(p *store.Payment, lang string) string {
	i := 0
	if lang == "en" {
		i = 1
	}
	if p.Status == store.StatusFailed {
		return [2]string{"Ödeme bankaya iletilemedi; kartınızdan para çekilmedi. Lütfen tekrar deneyin.",
			"The payment could not reach the bank; nothing was charged. Please try again."}[i]
	}
	if t, ok := declineTexts[p.DeclineReason]; ok {
		return t[i]
	}
	return declineTexts["do_not_honour"][i]
}

// pickLang chooses the page language.
func pickLang(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), r.PostFormValue("lang")} {
		if _, ok := texts[v]; ok {
			return v
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if _, ok := texts[c.Value]; ok {
			return c.Value
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "tr"):
			return "tr"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "tr"
}

// langCookie keeps a customer's explicit ?lang= choice across the bank's 3D
// pages, whose way back to the checkout page carries no query of ours.
// SameSite=Lax still reaches the top-level GET that ends that round trip.
const langCookie = "kasa_checkout_lang"

// rememberLang stores an explicit ?lang= choice for the checkout pages.
func rememberLang(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("lang")
	if _, ok := texts[v]; !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: v, Path: "/checkout/", MaxAge: 86400,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

var symbols = map[string]string{"TRY": "₺", "USD": "$", "EUR": "€", "GBP": "£"}

// formatAmount writes an amount the way the locale does: "1.234,56 ₺" in
// Turkish, "₺1,234.56" in English.
func formatAmount(minor int64, currency, lang string) string {
	cur, err := money.ParseCurrency(currency)
	if err != nil {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	whole, frac, _ := strings.Cut(money.New(minor, cur).Decimal(), ".")
	group, dec := ".", ","
	if lang == "en" {
		group, dec = ",", "."
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	n := b.String()
	if frac != "" {
		n += dec + frac
	}
	sym, ok := symbols[cur.Code]
	switch {
	case !ok:
		return n + " " + cur.Code
	case lang == "en":
		return sym + n
	}
	return n + " " + sym
}
