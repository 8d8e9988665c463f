package garanti

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
)

// Replies in the shape captured from Garanti's test system.
const approvedReply = `<?xml version="1.0" encoding="UTF-8"?>
<GVPSResponse><Mode></Mode><Terminal><ProvUserID>PROVAUT</ProvUserID><UserID>PROVAUT</UserID><ID>30691298</ID><MerchantID>7000679</MerchantID></Terminal>
<Customer><IPAddress>172.26.0.1</IPAddress></Customer><Order><OrderID>20221101D723</OrderID><GroupID></GroupID></Order>
<Transaction><Response><Source>HOST</Source><Code>00</Code><ReasonCode>00</ReasonCode><Message>Approved</Message><ErrorMsg></ErrorMsg><SysErrMsg></SysErrMsg></Response>
<RetrefNum>230508300434</RetrefNum><AuthCode>304919</AuthCode><BatchNum>004951</BatchNum><SequenceNum>000015</SequenceNum><ProvDate>20221101 13:14:19</ProvDate>
<CardNumberMasked>428220******8015</CardNumberMasked><HashData>1AAF91AE8000A94BF0B3FF42222E75E5837C98B9</HashData></Transaction></GVPSResponse>`

const gvpsErrorReply = `<GVPSResponse><Order><OrderID>2022110189E1</OrderID></Order><Transaction><Response><Source>GVPS</Source><Code>92</Code>
<ReasonCode>0002</ReasonCode><Message>Declined</Message><ErrorMsg>Giriş yaptığınız işlem tipi için zorunlu alanları kontrol ediniz</ErrorMsg>
<SysErrMsg>TxnAmount field must not be zero DOUBLE value because of the Mandatory Rule:zero</SysErrMsg></Response></Transaction></GVPSResponse>`

const hostDeclineReply = `<GVPSResponse><Transaction><Response><Source>HOST</Source><Code>12</Code><ReasonCode>12</ReasonCode><Message>Declined</Message>
<ErrorMsg>İşleminizi gerçekleştiremiyoruz.Tekrar deneyiniz</ErrorMsg><SysErrMsg>CVC2/4CSC HATALI</SysErrMsg></Response>
<RetrefNum>335709663083</RetrefNum></Transaction></GVPSResponse>`

const inqReply = `<GVPSResponse><Order><OrderID>2024010649DF</OrderID><OrderInqResult><ChargeType>S</ChargeType><PreAuthAmount>101</PreAuthAmount>
<PreAuthDate>2024-01-06 23:10:05.975</PreAuthDate><AuthAmount>0</AuthAmount><AuthDate></AuthDate><Status>WAITINGPOSTAUTH</Status>
<InstallmentCnt>3</InstallmentCnt><Code>00</Code><RetrefNum>400609699313</RetrefNum><AuthCode>257762</AuthCode></OrderInqResult></Order>
<Transaction><Response><Source>GVPS</Source><Code>00</Code><ReasonCode></ReasonCode><Message>Approved</Message></Response></Transaction></GVPSResponse>`

const historyReply = `<GVPSResponse><Order><OrderID>20221101EB13</OrderID><OrderHistInqResult><OrderTxnList>
<OrderTxn><Type>sales</Type><Status>00</Status><PreAuthAmount>0</PreAuthAmount><AuthAmount>101</AuthAmount><AuthDate>20221101</AuthDate>
<RetrefNum>230508300896</RetrefNum><AuthCode>304919</AuthCode><ReturnCode>00</ReturnCode><CurrencyCode>949</CurrencyCode><Settlement>N</Settlement></OrderTxn>
<OrderTxn><Type>refund</Type><Status>01</Status><PreAuthAmount>0</PreAuthAmount><AuthAmount>101</AuthAmount><AuthDate></AuthDate>
<RetrefNum>230508300913</RetrefNum><ReturnCode>92</ReturnCode><CurrencyCode>0</CurrencyCode></OrderTxn>
</OrderTxnList></OrderHistInqResult></Order>
<Transaction><Response><Source>GVPS</Source><Code>00</Code><Message>Approved</Message></Response></Transaction></GVPSResponse>`

func TestParseAndClassify(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		outcome    gateway.Outcome
		reason     gateway.DeclineReason
		code, ec   string
	}{
		{"approved", approvedReply, gateway.Approved, gateway.ReasonNone, "00", ""},
		{"gvps refusal", gvpsErrorReply, gateway.Rejected, gateway.ReasonInvalidTxn, "92", "0002"},
		{"issuer decline", hostDeclineReply, gateway.Declined, gateway.ReasonInvalidTxn, "12", ""},
	} {
		resp, err := ParseResponse([]byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r := classify(resp)
		if r.Outcome != tc.outcome || r.Reason != tc.reason || r.BankCode != tc.code || r.BankErrorCode != tc.ec {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
	resp, _ := ParseResponse([]byte(approvedReply))
	if r := classify(resp); r.AuthCode != "304919" || r.HostRef != "230508300434" || resp.OrderID != "20221101D723" {
		t.Errorf("approved fields: %+v", r)
	}
	resp, _ = ParseResponse([]byte(inqReply))
	if resp.Inq == nil || resp.Inq.Status != "WAITINGPOSTAUTH" || resp.Inq.PreAuthAmount != "101" {
		t.Errorf("orderinq: %+v", resp.Inq)
	}
	resp, _ = ParseResponse([]byte(historyReply))
	if len(resp.History) != 2 || resp.History[1].Type != "refund" || resp.History[1].Status != "01" {
		t.Errorf("history: %+v", resp.History)
	}
}

func TestHostReasonTable(t *testing.T) {
	for code, want := range map[string]gateway.DeclineReason{
		"51": gateway.ReasonInsufficientFunds, "05": gateway.ReasonDoNotHonour, "54": gateway.ReasonExpiredCard,
		"41": gateway.ReasonLostOrStolen, "82": gateway.ReasonInvalidCVV, "XX": gateway.ReasonOther,
	} {
		r := classify(&Response{Source: "HOST", Code: code})
		if r.Outcome != gateway.Declined || r.Reason != want {
			t.Errorf("%s: %+v", code, r)
		}
	}
	for rc, want := range map[string]gateway.DeclineReason{
		ReasonCodeDuplicate: gateway.ReasonDuplicateOrder, ReasonCodeInstallments: gateway.ReasonInstallments,
		ReasonCodeCard: gateway.ReasonInvalidCard, "9999": gateway.ReasonInvalidTxn,
	} {
		r := classify(&Response{Source: "GVPS", Code: "92", ReasonCode: rc})
		if r.Outcome != gateway.Rejected || r.Reason != want || r.BankErrorCode != rc {
			t.Errorf("%s: %+v", rc, r)
		}
	}
}

func TestParseRejectsUnusable(t *testing.T) {
	for name, body := range map[string]string{
		"empty":     "  ",
		"html":      "<html><body>Proxy Error</body></html>",
		"truncated": approvedReply[:len(approvedReply)/2],
		"no code":   "<GVPSResponse><Transaction><Response><Source>HOST</Source></Response></Transaction></GVPSResponse>",
		"charset":   `<?xml version="1.0" encoding="EBCDIC"?><GVPSResponse/>`,
	} {
		if _, err := ParseResponse([]byte(body)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestParseLatin5(t *testing.T) {
	body := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-9\"?><GVPSResponse><Transaction><Response><Source>GVPS</Source><Code>92</Code>" +
		"<ErrorMsg>\xDDade ge\xE7ersiz</ErrorMsg></Response></Transaction></GVPSResponse>")
	resp, err := ParseResponse(body)
	if err != nil || resp.ErrorMsg != "İade geçersiz" {
		t.Errorf("%v %q", err, resp.ErrorMsg)
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{approvedReply, gvpsErrorReply, hostDeclineReply, inqReply, historyReply, "", "<GVPSResponse/>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := ParseResponse(b)
		if err != nil {
			return
		}
		if resp.Code == "" {
			t.Fatal("parsed a reply without a code")
		}
		_ = classify(resp)
		_ = notFound(resp)
	})
}
