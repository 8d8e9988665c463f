package boa

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// SOAP is the operation service Kuveyt Türk runs beside its gate for
// cancel, refund and queries (VirtualPosService.svc/Basic, SOAP 1.1).
const (
	SOAPNamespace    = "http://boa.net/BOA.Integration.VirtualPos/Service"
	SOAPActionPrefix = SOAPNamespace + "/IVirtualPosService/"
	SOAPContentType  = "text/xml; charset=utf-8"
)

// SOAPEnvelope wraps op's request element (already XML) in a SOAP 1.1
// envelope: <op xmlns=...><request>inner</request></op>.
func SOAPEnvelope(op string, inner []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` +
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`)
	fmt.Fprintf(&b, `<%s xmlns="%s"><request>`, op, SOAPNamespace)
	b.Write(inner)
	fmt.Fprintf(&b, `</request></%s></s:Body></s:Envelope>`, op)
	return b.Bytes()
}

// SOAPResult is the <opResult> of a SOAP reply: Success, the platform's
// error list and the raw Value.
type SOAPResult struct {
	Success   bool
	ErrorCode string
	ErrorMsg  string
	Value     []byte // inner XML of <Value>
}

type soapEnvelope struct {
	Body struct {
		Response struct {
			XMLName xml.Name
			Result  struct {
				XMLName xml.Name
				Results struct {
					Result []struct {
						ErrorCode    string `xml:"ErrorCode"`
						ErrorMessage string `xml:"ErrorMessage"`
					} `xml:"Result"`
				} `xml:"Results"`
				Success *string `xml:"Success"`
				Value   struct {
					Inner []byte `xml:",innerxml"`
				} `xml:"Value"`
			} `xml:",any"`
		} `xml:",any"`
	} `xml:"Body"`
}

// ParseSOAP reads the reply of op: the body must hold <opResponse> with
// <opResult> and a Success flag, else nothing can be concluded.
func ParseSOAP(op string, body []byte) (*SOAPResult, error) {
	var env soapEnvelope
	if err := NewDecoder(body).Decode(&env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	resp := env.Body.Response
	if resp.XMLName.Local != op+"Response" || resp.Result.XMLName.Local != op+"Result" || resp.Result.Success == nil {
		return nil, fmt.Errorf("%w: not a %s reply", ErrBadResponse, op)
	}
	out := &SOAPResult{
		Success: strings.EqualFold(strings.TrimSpace(*resp.Result.Success), "true"),
		Value:   resp.Result.Value.Inner,
	}
	for _, r := range resp.Result.Results.Result {
		if r.ErrorCode != "" || r.ErrorMessage != "" {
			out.ErrorCode, out.ErrorMsg = r.ErrorCode, r.ErrorMessage
			break
		}
	}
	return out, nil
}
