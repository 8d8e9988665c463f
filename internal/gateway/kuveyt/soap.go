package kuveyt

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/money"
)

// SOAP operations of VirtualPosService.
const (
	opSaleReversal     = "SaleReversal"
	opDrawback         = "Drawback"
	opPartialDrawback  = "PartialDrawback"
	opMerchantOrderGet = "GetMerchantOrderDetail"
)

// OrderStatus values of an OrderContract.
const (
	orderStatusSale          = "1"
	orderStatusFullRefund    = "4"
	orderStatusPartialRefund = "5"
	orderStatusCancelled     = "6"
)

// soapRequest is the <request> of every SOAP operation. The bank identifies
// the order by its own OrderId plus RRN, Stan and ProvisionNumber, which is
// why cancel and refund look the order up first.
type soapRequest struct {
	IsFromExternalNetwork string      `xml:"IsFromExternalNetwork"`
	BusinessKey           string      `xml:"BusinessKey"`
	ResourceID            string      `xml:"ResourceId"`
	ActionID              string      `xml:"ActionId"`
	LanguageID            string      `xml:"LanguageId"`
	CustomerID            string      `xml:"CustomerId"`
	MailOrTelephoneOrder  string      `xml:"MailOrTelephoneOrder"`
	Amount                string      `xml:"Amount"`
	MerchantID            string      `xml:"MerchantId"`
	MerchantOrderID       string      `xml:"MerchantOrderId,omitempty"`
	OrderID               string      `xml:"OrderId"`
	RRN                   string      `xml:"RRN,omitempty"`
	Stan                  string      `xml:"Stan,omitempty"`
	ProvisionNumber       string      `xml:"ProvisionNumber,omitempty"`
	StartDate             string      `xml:"StartDate,omitempty"`
	EndDate               string      `xml:"EndDate,omitempty"`
	TransactionType       string      `xml:"TransactionType,omitempty"`
	VPosMessage           soapMessage `xml:"VPosMessage"`
}

type soapMessage struct {
	APIVersion          string `xml:"APIVersion"`
	HashData            string `xml:"HashData"`
	MerchantID          string `xml:"MerchantId"`
	SubMerchantID       string `xml:"SubMerchantId"`
	CustomerID          string `xml:"CustomerId"`
	UserName            string `xml:"UserName"`
	CardType            string `xml:"CardType"`
	BatchID             string `xml:"BatchID"`
	TransactionType     string `xml:"TransactionType"`
	InstallmentCount    string `xml:"InstallmentCount"`
	Amount              string `xml:"Amount"`
	DisplayAmount       string `xml:"DisplayAmount"`
	CancelAmount        string `xml:"CancelAmount"`
	MerchantOrderID     string `xml:"MerchantOrderId"`
	FECAmount           string `xml:"FECAmount"`
	CurrencyCode        string `xml:"CurrencyCode"`
	TransactionSecurity string `xml:"TransactionSecurity"`
}

// orderContract is one order in a GetMerchantOrderDetail reply. Its
// amounts are decimals ("125.50"), unlike the gate's kuruş.
type orderContract struct {
	OrderID         string `xml:"OrderId"`
	MerchantOrderID string `xml:"MerchantOrderId"`
	OrderStatus     string `xml:"OrderStatus"`
	ResponseCode    string `xml:"ResponseCode"`
	ResponseMessage string `xml:"ResponseExplain"`
	FirstAmount     string `xml:"FirstAmount"`
	CancelAmount    string `xml:"CancelAmount"`
	DrawbackAmount  string `xml:"DrawbackAmount"`
	CurrencyCode    string `xml:"FEC"`
	ProvNumber      string `xml:"ProvNumber"`
	RRN             string `xml:"RRN"`
	Stan            string `xml:"Stan"`
}

// soapCall sends op and returns its result; a non-nil Result means no usable reply.
func (g *Gateway) soapCall(ctx context.Context, op string, req *soapRequest) (*boa.SOAPResult, *gateway.Result) {
	inner, err := xml.Marshal(req)
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("kuveyt: encoding request: %w", err), gateway.ReasonInvalidTxn)
	}
	// Marshal names the element after the type; the envelope names it <request>.
	inner = bytes.TrimSuffix(bytes.TrimPrefix(inner, []byte("<soapRequest>")), []byte("</soapRequest>"))
	data, terr := gateway.Post(ctx, g.client, g.soap, boa.SOAPContentType, boa.SOAPEnvelope(op, inner),
		http.Header{"SOAPAction": {`"` + boa.SOAPActionPrefix + op + `"`}})
	if terr != nil {
		return nil, terr.Result()
	}
	res, err := boa.ParseSOAP(op, data)
	if err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return nil, &r
	}
	return res, nil
}

func (g *Gateway) soapRequest(txType, orderID string, amount money.Amount) *soapRequest {
	a := "0"
	if amount.Minor > 0 {
		a = boa.FormatAmount(amount)
	}
	cur := amount.Currency
	if cur.IsZero() {
		cur = money.TRY
	}
	return &soapRequest{
		IsFromExternalNetwork: "true", BusinessKey: "0", ResourceID: "0", ActionID: "0", LanguageID: "0",
		CustomerID: g.customerID, MailOrTelephoneOrder: "true", Amount: a, MerchantID: g.merchantID, OrderID: "0",
		VPosMessage: soapMessage{
			APIVersion: APIVersion, MerchantID: g.merchantID, SubMerchantID: "0", CustomerID: g.customerID,
			UserName: g.user, CardType: "Visa", BatchID: "0", TransactionType: txType, InstallmentCount: "0",
			Amount: a, DisplayAmount: a, CancelAmount: a, MerchantOrderID: orderID, FECAmount: "0",
			CurrencyCode: boa.FormatCurrency(cur), TransactionSecurity: securityNon3D,
			HashData: boa.RequestHash(g.merchantID, orderID, a, "", "", g.user, g.password),
		},
	}
}

// lookup fetches the order's contract; nil with a nil Result means the bank
// does not know the order.
func (g *Gateway) lookup(ctx context.Context, orderID string) (*orderContract, *gateway.Result) {
	req := g.soapRequest(opMerchantOrderGet, orderID, money.Amount{})
	req.MerchantOrderID, req.TransactionType = orderID, "0"
	now := time.Now().UTC()
	req.StartDate = now.AddDate(0, 0, -90).Format("2006-01-02T15:04:05")
	req.EndDate = now.AddDate(0, 0, 1).Format("2006-01-02T15:04:05")
	res, fail := g.soapCall(ctx, opMerchantOrderGet, req)
	if fail != nil {
		return nil, fail
	}
	if !res.Success {
		return nil, rejected(res)
	}
	var v struct {
		Orders []orderContract `xml:"OrderContract"`
	}
	if err := boa.NewDecoder(append(append([]byte("<Value>"), res.Value...), "</Value>"...)).Decode(&v); err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return nil, &r
	}
	for i := range v.Orders {
		if v.Orders[i].MerchantOrderID == orderID {
			return &v.Orders[i], nil
		}
	}
	return nil, nil
}

// rejected is a SOAP call the service refused (Success false).
func rejected(res *boa.SOAPResult) *gateway.Result {
	return &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn,
		BankErrorCode: res.ErrorCode, BankMessage: res.ErrorMsg}
}

// Void cancels (SaleReversal) a sale before the day closes.
func (g *Gateway) Void(ctx context.Context, req *gateway.VoidRequest) *gateway.Result {
	return g.reverse(ctx, opSaleReversal, req.Order)
}

// Refund sends Drawback (full) or PartialDrawback (the given amount).
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	if req.Full {
		return g.reverse(ctx, opDrawback, req.Order)
	}
	if req.Amount.Minor <= 0 {
		return gateway.RejectLocal(errors.New("kuveyt: refund amount must be positive"), gateway.ReasonInvalidTxn)
	}
	return g.reverse(ctx, opPartialDrawback, req.Order)
}

func (g *Gateway) reverse(ctx context.Context, op string, o gateway.Order) *gateway.Result {
	if o.OrderID == "" {
		return gateway.RejectLocal(errors.New("kuveyt: order id is required"), gateway.ReasonInvalidTxn)
	}
	oc, fail := g.lookup(ctx, o.OrderID)
	if fail != nil {
		return fail
	}
	if oc == nil {
		return &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn, BankErrorCode: "OrderNotFound",
			BankMessage: "kuveyt: the bank does not know order " + o.OrderID}
	}
	req := g.soapRequest(op, o.OrderID, o.Amount)
	req.OrderID, req.RRN, req.Stan, req.ProvisionNumber = oc.OrderID, oc.RRN, oc.Stan, oc.ProvNumber
	res, fail := g.soapCall(ctx, op, req)
	if fail != nil {
		return fail
	}
	if !res.Success {
		return rejected(res)
	}
	resp, err := boa.ParseResponse(append(append([]byte("<VPosTransactionResponseContract>"), res.Value...), "</VPosTransactionResponseContract>"...))
	if err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return &r
	}
	return boa.ResultOf(resp)
}

// Status maps GetMerchantOrderDetail to Kasa's order state.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	oc, fail := g.lookup(ctx, orderID)
	if fail != nil {
		return &gateway.StatusResult{Result: *fail}
	}
	if oc == nil {
		return &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved}, State: gateway.StateNotFound}
	}
	out := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved, BankCode: oc.ResponseCode,
		BankMessage: oc.ResponseMessage, AuthCode: oc.ProvNumber, HostRef: oc.RRN, TransID: oc.OrderID}}
	cur, err := money.ParseCurrency(strings.TrimLeft(oc.CurrencyCode, "0"))
	if err != nil {
		cur = money.TRY
	}
	amt := func(s string) int64 {
		a, err := money.ParseDecimal(strings.TrimSpace(s), cur)
		if err != nil {
			return 0
		}
		return a.Minor
	}
	first, refunded := amt(oc.FirstAmount), amt(oc.DrawbackAmount)
	switch {
	case oc.ResponseCode != "" && oc.ResponseCode != boa.Approved:
		out.State = gateway.StateDeclined
	case oc.OrderStatus == orderStatusCancelled:
		out.State, out.AuthorizedAmount = gateway.StateVoided, first
	case oc.OrderStatus == orderStatusFullRefund || oc.OrderStatus == orderStatusPartialRefund:
		out.State, out.AuthorizedAmount, out.CapturedAmount, out.RefundedAmount = gateway.StateRefunded, first, first, refunded
	case oc.OrderStatus == orderStatusSale:
		out.State, out.AuthorizedAmount, out.CapturedAmount = gateway.StateCaptured, first, first
	default:
		out.State = gateway.StatePending
	}
	return out
}
