package boa

import (
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// BOA's 3D gates answer a server-to-server enrollment request with an HTML
// page whose form the customer's browser must post: to the issuer's ACS,
// or straight to the merchant's FailUrl with the refusal. ParseForm reads
// that page.

// maxFormPage bounds the page ParseForm reads; real ones are a few KB.
const maxFormPage = 256 << 10

var (
	formTag  = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attrRe   = regexp.MustCompile(`(?is)([a-z][a-z0-9_:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
)

// ParseForm extracts the first form of page: its action (an absolute
// http(s) URL), and every named input with its value (an input without a
// value attribute has the value ""), in page order. Submit buttons are
// skipped.
func ParseForm(page []byte) (*gateway.ThreeDForm, error) {
	if len(page) > maxFormPage {
		return nil, fmt.Errorf("%w: gate page too large", ErrBadResponse)
	}
	s := string(page)
	loc := formTag.FindStringIndex(s)
	if loc == nil {
		return nil, fmt.Errorf("%w: gate page has no form", ErrBadResponse)
	}
	attrs := attributes(s[loc[0]:loc[1]])
	action := attrs["action"]
	if !gateway.ValidEndpoint(action) {
		return nil, fmt.Errorf("%w: gate form action %q is not an absolute URL", ErrBadResponse, action)
	}
	if m := strings.ToLower(attrs["method"]); m != "" && m != "post" {
		return nil, fmt.Errorf("%w: gate form method %q", ErrBadResponse, m)
	}
	rest := s[loc[1]:]
	if end := strings.Index(strings.ToLower(rest), "</form"); end >= 0 {
		rest = rest[:end]
	}
	form := &gateway.ThreeDForm{URL: action}
	for _, tag := range inputTag.FindAllString(rest, -1) {
		a := attributes(tag)
		if a["name"] == "" || strings.EqualFold(a["type"], "submit") {
			continue
		}
		form.Fields = append(form.Fields, gateway.Field{Name: a["name"], Value: a["value"]})
	}
	return form, nil
}

// attributes reads a tag's attributes, lower-casing names and unescaping
// values; the first of repeated attributes wins.
func attributes(tag string) map[string]string {
	out := map[string]string{}
	// Skip the tag name so that "<input" is not read as an attribute.
	if i := strings.IndexAny(tag, " \t\r\n"); i >= 0 {
		tag = tag[i:]
	} else {
		return out
	}
	for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
		name := strings.ToLower(m[1])
		if _, dup := out[name]; dup {
			continue
		}
		out[name] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return out
}

// FieldValue is the value of the form field name ("" if absent).
func FieldValue(f *gateway.ThreeDForm, name string) (string, bool) {
	for _, x := range f.Fields {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}
