package posnetv1sim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

// These tests speak the wire format directly, without Kasa's adapter.

func start(t *testing.T) *Server {
	t.Helper()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const key = "10,10,10,10,10,10,10,10"

func call(t *testing.T, s *Server, op string, body map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(s.APIURL()+"/"+op, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func code(r map[string]any) string {
	d, _ := r["ServiceResponseData"].(map[string]any)
	c, _ := d["ResponseCode"].(string)
	return c
}

func sale(orderID, amount string) map[string]any {
	return map[string]any{
		"ApiType": "JSON", "ApiVersion": "V100", "MerchantNo": "6702640212", "TerminalNo": "67C16990",
		"MACParams":           "MerchantNo:TerminalNo:CardNo:Cvc2:ExpireDate:Amount",
		"MAC":                 mac(key, "6702640212", "67C16990", "4506347010299085", "000", "3009", amount),
		"CardInformationData": map[string]any{"CardNo": "4506347010299085", "ExpireDate": "3009", "Cvc2": "000"},
		"Amount":              amount, "CurrencyCode": "TL", "OrderId": orderID, "InstallmentCount": "0", "InstallmentType": "N",
	}
}

func TestMACVectors(t *testing.T) {
	if got := mac(key, "6700950031", "67540050", "5400619360964581", "056", "2001", "175"); got != "xuhPbpcPJ6kVs7JeIXS8f06Cv0mb9cNPMfjp1HiB7Ew=" {
		t.Errorf("card MAC %s", got)
	}
	if got := mac(key, "02", "jKOBaLBL3hQ+CREBPu1HBQQAAAA=", "1", "Authenticated", "0161010028947569644,0161010028947569644", "1010028947569644"); got != "r21kMm4nMqvJakjq47Jl+3fk2xrFPrDoTJFQGxkgkfk=" {
		t.Errorf("callback MAC %s", got)
	}
}

func TestSaleInquiryAndRefusals(t *testing.T) {
	s := start(t)
	if c := code(call(t, s, OpSale, sale("K0000000000000000001", "123456"))); c != "00" {
		t.Fatalf("sale %s", c)
	}
	if c := code(call(t, s, OpSale, sale("K0000000000000000001", "123456"))); c != "0127" {
		t.Errorf("duplicate %s", c)
	}
	q := map[string]any{"MerchantNo": "6702640212", "TerminalNo": "67C16990", "MACParams": "MerchantNo:TerminalNo",
		"MAC": mac(key, "6702640212", "67C16990"), "OrderId": "0000K0000000000000000001"}
	r := call(t, s, OpInquiry, q)
	list, _ := r["TransactionData"].([]any)
	if code(r) != "0000" || len(list) != 1 {
		t.Fatalf("inquiry %v", r)
	}
	tx := list[0].(map[string]any)
	if tx["Amount"] != "1.234,56" || tx["TransactionType"] != "Sale" || tx["TransactionStatus"] != "1" || tx["CardNo"] != "450634******9085" {
		t.Errorf("record %v", tx)
	}
	q["OrderId"] = "TDS_K0000000000000000001"
	if c := code(call(t, s, OpInquiry, q)); c != "0123" {
		t.Errorf("3D prefix on a non-3D order: %s", c)
	}

	bad := sale("K0000000000000000002", "100")
	bad["MAC"] = mac("other", "x")
	if c := code(call(t, s, OpSale, bad)); c != "E216" {
		t.Errorf("bad MAC %s", c)
	}
	bad = sale("K0000000000000000002", "100")
	bad["MACParams"] = "MerchantNo:TerminalNo"
	bad["MAC"] = mac(key, "6702640212", "67C16990")
	if c := code(call(t, s, OpSale, bad)); c != "E216" {
		t.Errorf("weaker MACParams accepted: %s", c)
	}
	bad = sale("K0000000000000000002", "100")
	bad["TerminalNo"] = "67C16991"
	if c := code(call(t, s, OpSale, bad)); c != "0148" {
		t.Errorf("wrong terminal %s", c)
	}
	if c := code(call(t, s, OpSale, sale("K0000000000000000003", "999951"))); c != "0051" {
		t.Errorf("decline %s", c)
	}
	if c := code(call(t, s, "Unknown", sale("K0000000000000000004", "100"))); c != "0100" {
		t.Errorf("unknown op %s", c)
	}
}

func TestRegistryAndFaultOps(t *testing.T) {
	sim, err := banksim.New("posnetv1", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	pos := sim.POS()
	if pos.Protocol != "posnetv1" || pos.Credentials["merchant_no"] != "6702640212" || pos.Credentials["terminal_no"] != "67C16990" ||
		!strings.HasSuffix(pos.Endpoints.API, PathAPI) || !strings.HasSuffix(pos.Endpoints.ThreeDGate, PathThreeDGate) {
		t.Errorf("POS %+v", pos)
	}
	for _, tc := range []struct {
		op      gateway.Operation
		capture bool
		want    string
	}{
		{gateway.OpAuthorize, true, OpSale}, {gateway.OpAuthorize, false, OpAuth}, {gateway.OpCapture, false, OpCapture},
		{gateway.OpVoid, false, OpReverse}, {gateway.OpRefund, false, OpReturn}, {gateway.OpStatus, false, OpInquiry},
		{gateway.Op3D, false, OpAuth}, {gateway.OpHistory, false, banksim.AnyOp},
	} {
		if got := sim.FaultOp(tc.op, tc.capture); got != tc.want {
			t.Errorf("FaultOp(%s) = %s, want %s", tc.op, got, tc.want)
		}
	}
}
