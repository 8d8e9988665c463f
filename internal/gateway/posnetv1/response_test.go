package posnetv1

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// Reply shapes follow the reference library's captured fixtures, re-typed.

const approvedReply = `{"ServiceResponseData":{"ResponseCode":"00","ResponseDescription":"Onaylandı"},"AuthCode":"449324",
"ReferenceCode":"159044932490000231","PointDataList":[{"PointType":"EarnedPoint","Point":1000,"PointTLAmount":500}],
"InstallmentData":{"InstallmentCount":0,"Amount":0},"MessageData":{"Message1":" "}}`

const duplicateReply = `{"ServiceResponseData":{"ResponseCode":"0127","ResponseDescription":"ORDERID DAHA ONCE KULLANILMIS"}}`

const inquiryReply = `{"ServiceResponseData":{"ResponseCode":"0000","ResponseDescription":"Başarılı"},"TransactionData":[
{"Amount":"1,75","AuthCode":"628698","CardNo":"540061******4581","CurrencyCode":"TL","HostLogKey":"022562869890000191",
 "OrderId":"ALB_TST_19091900_20a1234","TransactionDate":"2019-11-0813:58:37.909","TransactionStatus":"1","TransactionType":"Return"},
{"Amount":"1,75","AuthCode":"190742","CardNo":"540061******4581","CurrencyCode":"TL","HostLogKey":"021419074290000191",
 "OrderId":"ALB_TST_19091900_20a1234","TransactionDate":"2019-09-2018:50:58.111","TransactionStatus":"1","TransactionType":"Sale"}]}`

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		body    string
		outcome gateway.Outcome
		reason  gateway.DeclineReason
		code    string
	}{
		{approvedReply, gateway.Approved, gateway.ReasonNone, "00"},
		{duplicateReply, gateway.Rejected, gateway.ReasonDuplicateOrder, "0127"},
		{`{"ServiceResponseData":{"ResponseCode":"0051","ResponseDescription":"YETERSIZ BAKIYE"}}`, gateway.Declined, gateway.ReasonInsufficientFunds, "0051"},
		{`{"ServiceResponseData":{"ResponseCode":"0148","ResponseDescription":"INVALID MID TID IP"}}`, gateway.Rejected, gateway.ReasonInvalidTxn, "0148"},
		{`{"ServiceResponseData":{"ResponseCode":"0107"}}`, gateway.Rejected, gateway.ReasonInstallments, "0107"},
		{`{"ServiceResponseData":{"ResponseCode":"0099"}}`, gateway.Declined, gateway.ReasonOther, "0099"},
	} {
		r, err := ParseResponse([]byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		res := classify(r)
		if res.Outcome != tc.outcome || res.Reason != tc.reason || res.BankCode != tc.code {
			t.Errorf("%s: %s/%s %q", tc.body, res.Outcome, res.Reason, res.BankCode)
		}
	}
	r, _ := ParseResponse([]byte(approvedReply))
	if r.AuthCode != "449324" || r.ReferenceCode != "159044932490000231" || r.InstallmentCount != "0" || r.ResponseDescription != "Onaylandı" {
		t.Errorf("parsed %+v", r)
	}
}

func TestInquiryView(t *testing.T) {
	r, err := ParseResponse([]byte(inquiryReply))
	if err != nil {
		t.Fatal(err)
	}
	v, err := viewOf(r)
	if err != nil || !v.found || len(v.txns) != 2 || v.txns[0].TransactionType != "Sale" || v.txns[1].minor != 175 {
		t.Fatalf("view %+v %v", v, err)
	}
	if s := v.last(typeSale, typeCapture); s == nil || s.HostLogKey != "021419074290000191" {
		t.Errorf("last sale %+v", s)
	}
	for _, bad := range []string{"1,234", "x", ""} {
		if _, err := parseStatusAmount(bad, "TL"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRejectsUnusable(t *testing.T) {
	for _, body := range []string{"", "<html>", `{}`, `{"ServiceResponseData":{}}`, `{"ServiceResponseData":{"ResponseCode":""}}`, `{"ServiceResponseData":`} {
		if r, err := ParseResponse([]byte(body)); err == nil || r != nil || !errors.Is(err, ErrBadResponse) {
			t.Errorf("%q: %v %v", body, r, err)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{approvedReply, duplicateReply, inquiryReply, `{"ServiceResponseData":{"ResponseCode":7}}`, "<html>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResponse(body)
		if err != nil {
			if r != nil || !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error %v with response %v", err, r)
			}
			return
		}
		res := classify(r)
		if res.Outcome == "" || (res.Outcome == gateway.Approved && !approvedCode(r.ResponseCode)) {
			t.Fatalf("classified %+v as %s", r, res.Outcome)
		}
		viewOf(r) //nolint:errcheck // only checking for panics
	})
}
