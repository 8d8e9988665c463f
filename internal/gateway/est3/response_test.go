package est3

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
)

// Reply shapes below follow replies captured from EST test hosts (research
// notes §2.1), re-typed.

const approvedReply = `<?xml version="1.0" encoding="ISO-8859-9"?>
<CC5Response>
  <OrderId>202210293885</OrderId>
  <GroupId>202210293885</GroupId>
  <Response>Approved</Response>
  <AuthCode>P48911</AuthCode>
  <HostRefNum>230200671758</HostRefNum>
  <ProcReturnCode>00</ProcReturnCode>
  <TransId>22302V8rE11732</TransId>
  <ErrMsg></ErrMsg>
  <Extra>
    <SETTLEID>2286</SETTLEID>
    <TRXDATE>20221029 21:58:43</TRXDATE>
    <ERRORCODE></ERRORCODE>
    <CARDBRAND>VISA</CARDBRAND>
    <NUMCODE>00</NUMCODE>
  </Extra>
</CC5Response>`

const coreErrorReply = `<?xml version="1.0" encoding="UTF-8"?>
<CC5Response><OrderId>20221029B541</OrderId><GroupId>20221029B541</GroupId><Response>Error</Response><AuthCode></AuthCode><HostRefNum></HostRefNum><ProcReturnCode>99</ProcReturnCode><TransId>22302WcCC13836</TransId><ErrMsg>Kredi karti numarasi gecerli formatta degil.</ErrMsg><Extra><SETTLEID></SETTLEID><TRXDATE>20221029 22:28:01</TRXDATE><ERRORCODE>CORE-2012</ERRORCODE><NUMCODE>992012</NUMCODE></Extra></CC5Response>`

func latin5Reply(s string) []byte { return encodeLatin5([]byte(s)) }

func TestParseResponse(t *testing.T) {
	r, err := ParseResponse([]byte(approvedReply))
	if err != nil {
		t.Fatal(err)
	}
	if r.ProcReturnCode != "00" || r.AuthCode != "P48911" || r.HostRefNum != "230200671758" || r.TransID != "22302V8rE11732" ||
		r.Extra["TRXDATE"] != "20221029 21:58:43" || r.Extra["CARDBRAND"] != "VISA" || r.ErrorCode() != "" {
		t.Errorf("parsed %+v", r)
	}
	r, err = ParseResponse([]byte(coreErrorReply))
	if err != nil {
		t.Fatal(err)
	}
	if r.ProcReturnCode != "99" || r.ErrorCode() != "CORE-2012" || r.Response != "Error" {
		t.Errorf("parsed %+v", r)
	}

	// ISO-8859-9 with Turkish letters.
	msg := "İptal edilmeye uygun satış işlemi bulunamadı."
	body := latin5Reply(`<?xml version="1.0" encoding="ISO-8859-9"?><CC5Response><ProcReturnCode>99</ProcReturnCode><ErrMsg>` + msg + `</ErrMsg><Extra><ERRORCODE>CORE-2008</ERRORCODE></Extra></CC5Response>`)
	if !bytes.Contains(body, []byte{0xDD}) {
		t.Fatal("fixture is not ISO-8859-9")
	}
	if r, err = ParseResponse(body); err != nil || r.ErrMsg != msg {
		t.Errorf("latin5: %q, %v", r.ErrMsg, err)
	}
	// No declaration: UTF-8.
	if r, err = ParseResponse([]byte(`<CC5Response><ProcReturnCode>00</ProcReturnCode><ErrMsg>Şişli</ErrMsg></CC5Response>`)); err != nil || r.ErrMsg != "Şişli" {
		t.Errorf("utf-8: %v %v", r, err)
	}
}

func TestParseResponseUnusable(t *testing.T) {
	for name, body := range map[string]string{
		"empty":         "",
		"spaces":        " \n ",
		"html":          "<html><body>Proxy Error</body></html>",
		"garbage":       "\x00\xff\xfe not xml",
		"truncated":     approvedReply[:len(approvedReply)/2],
		"no code":       `<CC5Response><OrderId>1</OrderId><Response>Approved</Response></CC5Response>`,
		"empty code":    `<CC5Response><ProcReturnCode> </ProcReturnCode></CC5Response>`,
		"wrong root":    `<GVPSResponse><ProcReturnCode>00</ProcReturnCode></GVPSResponse>`,
		"bad charset":   `<?xml version="1.0" encoding="EBCDIC"?><CC5Response><ProcReturnCode>00</ProcReturnCode></CC5Response>`,
		"unclosed root": `<CC5Response><ProcReturnCode>00</ProcReturnCode>`,
	} {
		if _, err := ParseResponse([]byte(body)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		code, errCode, msg string
		outcome            gateway.Outcome
		reason             gateway.DeclineReason
	}{
		{"00", "", "", gateway.Approved, gateway.ReasonNone},
		{"01", "", "", gateway.Declined, gateway.ReasonCallIssuer},
		{"02", "", "", gateway.Declined, gateway.ReasonCallIssuer},
		{"05", "ISO8583-05", "Red", gateway.Declined, gateway.ReasonDoNotHonour},
		{"12", "", "", gateway.Declined, gateway.ReasonInvalidTxn},
		{"14", "", "", gateway.Declined, gateway.ReasonInvalidCard},
		{"41", "", "", gateway.Declined, gateway.ReasonLostOrStolen},
		{"43", "", "", gateway.Declined, gateway.ReasonLostOrStolen},
		{"51", "", "", gateway.Declined, gateway.ReasonInsufficientFunds},
		{"54", "", "", gateway.Declined, gateway.ReasonExpiredCard},
		{"57", "", "", gateway.Declined, gateway.ReasonNotPermitted},
		{"62", "", "", gateway.Declined, gateway.ReasonNotPermitted},
		{"61", "", "", gateway.Declined, gateway.ReasonLimitExceeded},
		{"65", "", "", gateway.Declined, gateway.ReasonLimitExceeded},
		{"82", "", "", gateway.Declined, gateway.ReasonInvalidCVV},
		{"N7", "", "", gateway.Declined, gateway.ReasonInvalidCVV},
		{"n7", "", "", gateway.Declined, gateway.ReasonInvalidCVV},
		{"91", "", "", gateway.Declined, gateway.ReasonSystemError},
		{"77", "", "", gateway.Declined, gateway.ReasonOther},
		{"99", "", "Genel hata", gateway.Declined, gateway.ReasonOther},
		{"99", "CORE-2012", "Kredi karti numarasi gecerli formatta degil.", gateway.Rejected, gateway.ReasonInvalidCard},
		{"99", "CORE-2603", "Taksit tablosu icin gecersiz deger", gateway.Rejected, gateway.ReasonInstallments},
		{"99", "CORE-2008", "İptal edilmeye uygun satış işlemi bulunamadı.", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"99", "CORE-2508", "Iade yapilamaz, siparis gunsonuna girmemis.", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"99", "CORE-9999", "new validation", gateway.Rejected, gateway.ReasonInvalidTxn},
		{"99", "core-2603", "", gateway.Rejected, gateway.ReasonInstallments},
		{"99", "CORE-2005", "", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"99", "CORE-1234", "Bu sipariş numarası ile daha önce işlem yapılmış", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"99", "", "Duplicate order id", gateway.Rejected, gateway.ReasonDuplicateOrder},
		{"99", "CORE-4000", "XID daha önce kullanılmıştır. Tekrar kullanılamaz.", gateway.Rejected, gateway.ReasonInvalidTxn},
	}
	for _, tt := range tests {
		r := classify(&Response{ProcReturnCode: tt.code, ErrMsg: tt.msg, AuthCode: "A", HostRefNum: "H", TransID: "T",
			Extra: map[string]string{"ERRORCODE": tt.errCode}})
		if r.Outcome != tt.outcome || r.Reason != tt.reason {
			t.Errorf("%s/%s %q: %s/%s, want %s/%s", tt.code, tt.errCode, tt.msg, r.Outcome, r.Reason, tt.outcome, tt.reason)
		}
		if r.BankCode != tt.code || r.BankErrorCode != tt.errCode || r.BankMessage != tt.msg || r.HostRef != "H" || r.TransID != "T" {
			t.Errorf("%s: raw fields not kept: %+v", tt.code, r)
		}
	}
}

// cannedBank answers ORDERSTATUS and ORDERHISTORY with fixed replies.
func cannedBank(t *testing.T, statusReply, historyReply string) *Gateway {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if bytes.Contains(b, []byte("ORDERHISTORY")) {
			w.Write(latin5Reply(historyReply))
			return
		}
		w.Write(latin5Reply(statusReply))
	}))
	t.Cleanup(srv.Close)
	g, err := New(gateway.Config{
		Credentials: map[string]string{CredClientID: "1", CredAPIUser: "u", CredAPIPassword: "p"},
		Endpoints:   gateway.Endpoints{API: srv.URL},
		HTTPClient:  srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func statusXML(chargeType, stat, orig, capture string) string {
	return `<?xml version="1.0" encoding="ISO-8859-9"?><CC5Response><ErrMsg>Record(s) found for O1</ErrMsg><ProcReturnCode>00</ProcReturnCode><Response>Approved</Response><OrderId>O1</OrderId><TransId>24003Vl7F13152</TransId><Extra>` +
		`<AUTH_CODE>P77974</AUTH_CODE><AUTH_DTTM>2024-01-03 21:37:57.259</AUTH_DTTM><CAPTURE_AMT>` + capture + `</CAPTURE_AMT>` +
		`<CHARGE_TYPE_CD>` + chargeType + `</CHARGE_TYPE_CD><HOST_REF_NUM>400300744233</HOST_REF_NUM><ORD_ID>O1</ORD_ID>` +
		`<ORIG_TRANS_AMT>` + orig + `</ORIG_TRANS_AMT><PAN>4546 71** **** 7894</PAN><PROC_RET_CD>00</PROC_RET_CD><TRANS_ID>24003Vl7F13152</TRANS_ID>` +
		`<TRANS_STAT>` + stat + `</TRANS_STAT></Extra></CC5Response>`
}

func historyXML(trx ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="ISO-8859-9"?><CC5Response><ErrMsg></ErrMsg><ProcReturnCode>00</ProcReturnCode><Response>Approved</Response><OrderId>O1</OrderId><Extra><NUMCODE>0</NUMCODE>`)
	for i, r := range trx {
		n := string(rune('1' + i))
		b.WriteString("<TRX" + n + ">" + r + "</TRX" + n + ">")
	}
	b.WriteString("<TRXCOUNT>" + string(rune('0'+len(trx))) + "</TRXCOUNT></Extra></CC5Response>")
	return b.String()
}

func TestStatusMapping(t *testing.T) {
	none := historyXML()
	tests := []struct {
		name, status, history string
		state                 gateway.OrderState
		auth, capt, ref       int64
	}{
		{"sale", statusXML("S", "C", "101", "101"), none, gateway.StateCaptured, 101, 101, 0},
		{"preauth", statusXML("S", "A", "205", ""), none, gateway.StateAuthorized, 205, 0, 0},
		{"sale reported as A", statusXML("S", "A", "101", ""), none, gateway.StateAuthorized, 101, 0, 0},
		{"captured less", statusXML("S", "C", "205", "150"), none, gateway.StateCaptured, 205, 150, 0},
		{"voided", statusXML("S", "V", "101", "101"), none, gateway.StateVoided, 101, 101, 0},
		{"cancelled", statusXML("S", "CNCL", "101", ""), none, gateway.StateVoided, 101, 0, 0},
		{"pending", statusXML("S", "PN", "101", ""), none, gateway.StatePending, 101, 0, 0},
		{"declined", statusXML("S", "D", "101", ""), none, gateway.StateDeclined, 0, 0, 0},
		{"refund latest", statusXML("C", "C", "3000", "3000"),
			historyXML("C\tC\t3000\t3000\t2024-01-02 21:53:02.486\t2024-01-02 21:53:02.486\t\t400200744060\tR1\t00\tT3",
				"S\tC\t10000\t10000\t2024-01-02 21:52:59.261\t2024-01-02 21:52:59.261\t\t400200744059\tP78955\t00\tT1"),
			gateway.StateRefunded, 10000, 10000, 3000},
		{"failed refund latest", statusXML("C", "D", "100", "100"),
			historyXML("C\tD\t100\t100\t2024-01-02 21:53:02.486\t2024-01-02 21:53:02.486\t\t\t\t99\t24002V3CG19993",
				"S\tC\t101\t101\t2024-01-02 21:52:59.261\t2024-01-02 21:52:59.261\t\t400200744059\tP78955\t00\t24002V29G19979"),
			gateway.StateCaptured, 101, 101, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := cannedBank(t, tt.status, tt.history)
			s := g.Status(t.Context(), "O1")
			if s.Outcome != gateway.Approved {
				t.Fatalf("outcome %s: %s", s.Outcome, s.BankMessage)
			}
			if tt.name == "refund latest" && (s.AuthCode != "P78955" || s.TransID != "T1") {
				t.Errorf("references %q %q, want the sale's", s.AuthCode, s.TransID)
			}
			if s.State != tt.state || s.AuthorizedAmount != tt.auth || s.CapturedAmount != tt.capt || s.RefundedAmount != tt.ref {
				t.Errorf("got %s %d/%d/%d, want %s %d/%d/%d", s.State, s.AuthorizedAmount, s.CapturedAmount, s.RefundedAmount,
					tt.state, tt.auth, tt.capt, tt.ref)
			}
		})
	}

	notFound := `<CC5Response><ErrMsg>No record found for 2022103088D22</ErrMsg><ProcReturnCode>99</ProcReturnCode><Response>Declined</Response><OrderId></OrderId><TransId></TransId><Extra><NUMCODE>0</NUMCODE><ORDERSTATUS>ORD_ID:	CHARGE_TYPE_CD:	ORIG_TRANS_AMT:</ORDERSTATUS></Extra></CC5Response>`
	if s := cannedBank(t, notFound, none).Status(t.Context(), "O1"); s.Outcome != gateway.Approved || s.State != gateway.StateNotFound {
		t.Errorf("not found: %s %s", s.Outcome, s.State)
	}
	badAmount := statusXML("S", "C", "1.01", "")
	if s := cannedBank(t, badAmount, none).Status(t.Context(), "O1"); s.Outcome != gateway.Unknown {
		t.Errorf("bad amount: %s", s.Outcome)
	}
	refused := `<CC5Response><ProcReturnCode>99</ProcReturnCode><ErrMsg>Yetkisiz</ErrMsg><Extra><ERRORCODE>CORE-2001</ERRORCODE></Extra></CC5Response>`
	if s := cannedBank(t, refused, none).Status(t.Context(), "O1"); s.Outcome != gateway.Rejected || s.State != "" {
		t.Errorf("refused query: %s %s", s.Outcome, s.State)
	}
}

func TestOrderHistoryParsing(t *testing.T) {
	hist := historyXML(
		"C\tD\t100\t100\t2024-01-02 21:53:02.486\t2024-01-02 21:53:02.486\t\t\t\t99\t24002V3CG19993",
		"S\tV\t101\t101\t2024-01-02 21:52:59.261\t2024-01-02 21:52:59.261\t2024-01-02 21:53:01.297\t400200744059\tP78955\t00\t24002V29G19979",
	)
	entries, r := cannedBank(t, "", hist).OrderHistory(t.Context(), "O1")
	if r.Outcome != gateway.Approved || len(entries) != 2 {
		t.Fatalf("%s %d", r.Outcome, len(entries))
	}
	first, second := entries[0], entries[1]
	wantTime := time.Date(2024, 1, 2, 18, 52, 59, 261e6, time.UTC)
	if first.Type != "Auth" || first.Status != "V" || first.Amount != 101 || first.AuthCode != "P78955" ||
		first.HostRef != "400200744059" || first.BankCode != "00" || !first.Time.Equal(wantTime) {
		t.Errorf("first %+v", first)
	}
	if second.Type != "Credit" || second.Status != "D" || second.Amount != 100 || second.BankCode != "99" {
		t.Errorf("second %+v", second)
	}

	pre := historyXML("S\tA\t205\t\t2024-01-01 22:28:30.716\t\t\t400100743899\tT56045\t00\t24001WceJ18839")
	if entries, _ := cannedBank(t, "", pre).OrderHistory(t.Context(), "O1"); len(entries) != 1 || entries[0].Type != "PreAuth" || entries[0].Amount != 205 {
		t.Errorf("pre-auth %+v", entries)
	}

	for name, bad := range map[string]string{
		"short record": historyXML("S\tA\t205"),
		"bad amount":   historyXML("S\tA\tx\t\t\t\t\t\t\t00\tT"),
		"missing TRX":  strings.Replace(historyXML("S\tA\t1\t\t\t\t\t\t\t00\tT"), "<TRXCOUNT>1", "<TRXCOUNT>2", 1),
		"bad count":    strings.Replace(historyXML(), "<TRXCOUNT>0", "<TRXCOUNT>-1", 1),
	} {
		if _, r := cannedBank(t, "", bad).OrderHistory(t.Context(), "O1"); r.Outcome != gateway.Unknown {
			t.Errorf("%s: %s", name, r.Outcome)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(approvedReply))
	f.Add([]byte(coreErrorReply))
	f.Add(latin5Reply(historyXML("S\tA\t205\t\t2024-01-01 22:28:30.716\t\t\t4\tT\t00\tX")))
	f.Add([]byte(`<CC5Response><ProcReturnCode>00</ProcReturnCode><Extra><TRXCOUNT>3</TRXCOUNT></Extra></CC5Response>`))
	f.Add([]byte("<html>"))
	f.Add([]byte{0xff, 0xfe, 0x00})
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResponse(body)
		if err != nil {
			if r != nil || !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error %v with response %v", err, r)
			}
			return
		}
		if r.ProcReturnCode == "" {
			t.Fatal("accepted a reply without ProcReturnCode")
		}
		res := classify(r)
		if res.Outcome == "" {
			t.Fatal("no outcome")
		}
		// The query mappers must not panic on whatever Extra holds.
		parseHistory(r.Extra) //nolint:errcheck // only checking for panics
		summarize(nil)
	})
}
