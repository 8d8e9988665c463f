package kuveytsim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/money"
)

const soapNamespace = "http://boa.net/BOA.Integration.VirtualPos/Service"

// soapRequest is the <request> of every operation.
type soapRequest struct {
	Amount          string `xml:"Amount"`
	MerchantID      string `xml:"MerchantId"`
	CustomerID      string `xml:"CustomerId"`
	MerchantOrderID string `xml:"MerchantOrderId"`
	OrderID         string `xml:"OrderId"`
	RRN             string `xml:"RRN"`
	Stan            string `xml:"Stan"`
	ProvisionNumber string `xml:"ProvisionNumber"`
	VPosMessage     struct {
		HashData        string `xml:"HashData"`
		MerchantID      string `xml:"MerchantId"`
		UserName        string `xml:"UserName"`
		Amount          string `xml:"Amount"`
		MerchantOrderID string `xml:"MerchantOrderId"`
	} `xml:"VPosMessage"`
}

type soapEnvelope struct {
	Body struct {
		Op struct {
			XMLName xml.Name
			Request soapRequest `xml:"request"`
		} `xml:",any"`
	} `xml:"Body"`
}

// handleSOAP dispatches on the body's operation element, as WCF does.
func (s *Server) handleSOAP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var env soapEnvelope
	if err == nil {
		err = xml.NewDecoder(bytes.NewReader(body)).Decode(&env)
	}
	op := env.Body.Op.XMLName.Local
	switch {
	case err != nil:
		http.Error(w, "bad SOAP request", http.StatusBadRequest)
		return
	case op != OpSaleReversal && op != OpDrawback && op != OpPartialDrawback && op != OpOrderDetail:
		http.Error(w, "unknown SOAP action "+op, http.StatusBadRequest)
		return
	}
	req := &env.Body.Op.Request
	s.Respond(w, r, op, "text/xml; charset=utf-8", func() []byte {
		mr := s.merchant
		if req.VPosMessage.MerchantID != mr.MerchantID || req.VPosMessage.UserName != mr.UserName ||
			req.VPosMessage.HashData != mr.requestHash(req.VPosMessage.MerchantOrderID, req.VPosMessage.Amount, "", "") {
			return soapReply(op, false, "InvalidUser", "Kullanıcı bilgileri veya HashData hatalı", "")
		}
		if op == OpOrderDetail {
			return soapReply(op, true, "", "", s.orderDetail(req.VPosMessage.MerchantOrderID))
		}
		return s.reverse(op, req)
	})
}

// orderDetail renders the order as an OrderContract (amounts as decimals).
func (s *Server) orderDetail(orderID string) string {
	o, ok := s.Book().Get(s.merchant.MerchantID, orderID)
	if !ok {
		return ""
	}
	cur := money.MustCurrency(o.Currency)
	status := "1"
	switch o.State {
	case banksim.OrderVoided:
		status = "6"
	case banksim.OrderRefunded:
		status = "4"
	case banksim.OrderPartiallyRefunded:
		status = "5"
	}
	last := o.Txns[len(o.Txns)-1]
	code := "00"
	if o.State == banksim.OrderDeclined {
		code = last.Code
	}
	var cancelled int64
	if o.State == banksim.OrderVoided {
		cancelled = o.Authorized
	}
	var b bytes.Buffer
	b.WriteString("<OrderContract>")
	for _, f := range [][2]string{
		{"OrderId", o.TransID}, {"MerchantOrderId", o.ID}, {"OrderStatus", status}, {"ResponseCode", code},
		{"ResponseExplain", last.Message}, {"FirstAmount", money.New(o.Authorized, cur).Decimal()},
		{"CancelAmount", money.New(cancelled, cur).Decimal()}, {"DrawbackAmount", money.New(o.Refunded, cur).Decimal()},
		{"FEC", "0" + cur.Numeric}, {"InstallmentCount", strconv.Itoa(o.Installments)},
		{"ProvNumber", o.AuthCode}, {"RRN", o.HostRef}, {"Stan", stan(o.HostRef)},
	} {
		b.WriteString("<" + f[0] + ">")
		xml.EscapeText(&b, []byte(f[1]))
		b.WriteString("</" + f[0] + ">")
	}
	b.WriteString("</OrderContract>")
	return b.String()
}

// reverse runs SaleReversal, Drawback or PartialDrawback on the book.
func (s *Server) reverse(op string, req *soapRequest) []byte {
	id := req.VPosMessage.MerchantOrderID
	now := time.Now()
	code, msg := "00", "İşlem gerçekleştirildi."
	var txn banksim.Txn
	s.Book().Update(s.merchant.MerchantID, id, func(o *banksim.Order) *banksim.Order {
		if o == nil || o.TransID != req.OrderID || o.HostRef != req.RRN || o.AuthCode != req.ProvisionNumber {
			code, msg = "OrderNotFound", "Sipariş bulunamadı"
			return nil
		}
		left := o.Captured - o.Refunded
		amount, err := strconv.ParseInt(req.Amount, 10, 64)
		switch op {
		case OpSaleReversal:
			if o.Settled || o.State != banksim.OrderCaptured {
				code, msg = "CancelNotAllowed", "İptal edilebilecek işlem bulunamadı"
				return nil
			}
			o.MarkVoided(now)
			txn = banksim.Txn{Type: banksim.TxnVoid, Amount: o.Captured}
		case OpDrawback, OpPartialDrawback:
			if op == OpDrawback {
				amount, err = left, nil
			}
			if o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded || err != nil || amount <= 0 || amount > left {
				code, msg = "AmountExceeded", "İade tutarı iade edilebilir tutarı aşıyor"
				return nil
			}
			o.AddRefund(amount)
			txn = banksim.Txn{Type: banksim.TxnCredit, Amount: amount}
		}
		txn.Approved, txn.Code, txn.Time, txn.TransID, txn.HostRef = true, "00", now, o.TransID, banksim.NewHostRef(now)
		txn.AuthCode = o.AuthCode
		o.Txns = append(o.Txns, txn)
		return nil
	})
	if code != "00" {
		return soapReply(op, false, code, msg, "")
	}
	value := fmt.Sprintf("<ResponseCode>00</ResponseCode><ResponseMessage>%s</ResponseMessage><OrderId>%s</OrderId>"+
		"<MerchantOrderId>%s</MerchantOrderId><ProvisionNumber>%s</ProvisionNumber><RRN>%s</RRN><Stan>%s</Stan>",
		msg, req.OrderID, escape(id), txn.AuthCode, txn.HostRef, stan(txn.HostRef))
	return soapReply(op, true, "", "", value)
}

func escape(v string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(v))
	return b.String()
}

// soapReply renders <opResponse><opResult>: the error list, Success, Value.
func soapReply(op string, success bool, errCode, errMsg, value string) []byte {
	results := "<Results/>"
	if errCode != "" {
		results = "<Results><Result><ErrorCode>" + escape(errCode) + "</ErrorCode><ErrorMessage>" + escape(errMsg) +
			"</ErrorMessage></Result></Results>"
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">`+
		`<s:Body><%sResponse xmlns="%s"><%sResult>%s<Success>%t</Success><Value>%s</Value></%sResult></%sResponse></s:Body></s:Envelope>`,
		op, soapNamespace, op, results, success, value, op, op)
}
