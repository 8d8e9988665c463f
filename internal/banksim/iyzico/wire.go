package iyzicosim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/kasapos/kasa/internal/money"
)

// request is the union of the request bodies the simulator reads.
type request struct {
	Locale                string `json:"locale"`
	ConversationID        string `json:"conversationId"`
	Price                 string `json:"price"`
	PaidPrice             string `json:"paidPrice"`
	Currency              string `json:"currency"`
	Installment           int    `json:"installment"`
	BasketID              string `json:"basketId"`
	PaymentChannel        string `json:"paymentChannel"`
	PaymentGroup          string `json:"paymentGroup"`
	CallbackURL           string `json:"callbackUrl"`
	PaymentID             string `json:"paymentId"`
	PaymentConversationID string `json:"paymentConversationId"`
	ConversationData      string `json:"conversationData"`
	IP                    string `json:"ip"`
	BinNumber             string `json:"binNumber"`
	PaymentCard           *struct {
		CardHolderName string `json:"cardHolderName"`
		CardNumber     string `json:"cardNumber"`
		ExpireMonth    string `json:"expireMonth"`
		ExpireYear     string `json:"expireYear"`
		Cvc            string `json:"cvc"`
	} `json:"paymentCard"`
	Buyer *struct {
		ID             string `json:"id"`
		Email          string `json:"email"`
		IdentityNumber string `json:"identityNumber"`
		IP             string `json:"ip"`
	} `json:"buyer"`
	BasketItems []struct {
		ID    string `json:"id"`
		Price string `json:"price"`
	} `json:"basketItems"`
}

// reply is an iyzico JSON reply; fields are omitted when empty, as iyzico
// omits nulls.
type reply map[string]any

// iyzico's error codes the simulator uses. 11, 12, 15, 17 and 1000/1001
// are iyzico's; the 51xx/50xx ones are the simulator's own, since iyzico
// does not publish numbers for these cases.
const (
	codeInvalidRequest   = "11"
	codeInvalidCard      = "12"
	codeInvalidCVC       = "15"
	codeInvalidExpiry    = "17"
	codeInvalidSignature = "1000"
	codeUnknownAPIKey    = "1001"
	codeNotFound         = "5115"
	codeDuplicate        = "5125"
	codeRefundExceeds    = "5093"
	codeNotCancellable   = "5094"
	codeCaptureInvalid   = "5095"
	code3DSNotVerified   = "5096"
)

func failure(r *request, code, msg string) reply {
	out := reply{"status": "failure", "errorCode": code, "errorMessage": msg, "locale": "tr"}
	if r != nil && r.ConversationID != "" {
		out["conversationId"] = r.ConversationID
	}
	return out
}

// authenticate checks the IYZWSv2 header against the merchant's secret key:
// base64("apiKey:K&randomKey:R&signature:hex(HMAC-SHA256(secret, R + path + body))").
func (s *Server) authenticate(r *http.Request, body []byte) (Merchant, string, string) {
	h := r.Header.Get("Authorization")
	enc, ok := strings.CutPrefix(h, "IYZWSv2 ")
	if !ok {
		return Merchant{}, codeInvalidSignature, "Geçersiz imza"
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return Merchant{}, codeInvalidSignature, "Geçersiz imza"
	}
	var apiKey, rnd, sig string
	for _, part := range strings.Split(string(raw), "&") {
		k, v, _ := strings.Cut(part, ":")
		switch k {
		case "apiKey":
			apiKey = v
		case "randomKey":
			rnd = v
		case "signature":
			sig = v
		}
	}
	m, ok := s.merchant(apiKey)
	if !ok {
		return Merchant{}, codeUnknownAPIKey, "api bilgileri bulunamadı"
	}
	if rnd == "" || r.Header.Get("x-iyzi-rnd") != rnd {
		return Merchant{}, codeInvalidSignature, "Geçersiz imza"
	}
	mac := hmac.New(sha256.New, []byte(m.SecretKey))
	mac.Write([]byte(rnd + r.URL.Path))
	mac.Write(body)
	if !hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		return Merchant{}, codeInvalidSignature, "Geçersiz imza"
	}
	return m, "", ""
}

// sign is iyzico's response signature: hex(HMAC-SHA256(secret, fields joined by ":")).
func sign(secret string, fields ...string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strings.Join(fields, ":")))
	return hex.EncodeToString(mac.Sum(nil))
}

// signed is a price as iyzico signs it: no trailing zeros ("1", "125.5").
func signed(a money.Amount) string { return a.DecimalTrimmed() }

// number is a price as iyzico's JSON carries it: a number with at least one
// decimal (1.0, 125.5).
func number(a money.Amount) json.Number {
	s := a.DecimalTrimmed()
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return json.Number(s)
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return body, nil
}

func decode(body []byte) (*request, error) {
	var req request
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return &req, nil
}

func encode(v reply) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v) //nolint:errcheck // maps of plain values always encode
	return b.Bytes()
}
