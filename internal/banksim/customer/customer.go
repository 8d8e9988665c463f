// Package customer plays the cardholder's browser, without JavaScript,
// through Kasa's 3D Secure hand-off, a bank simulator's gate, hosted card
// page and ACS challenge, and back: for end-to-end tests and `kasa bench`.
package customer

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// ReturnURL is where test payments send the customer back; nothing listens
// there: Drive3D stops when it is redirected to it.
const ReturnURL = "http://127.0.0.1:1/return"

// ACS tells Drive3D what the "cardholder" does on the challenge page.
type ACS struct {
	Code   string // one-time code to type; banksim.ACSCode passes
	Cancel bool
	// Card is typed into a bank-hosted card page (3D Host), if one appears.
	Card *HostedCard
	// Tamper, if set, edits the bank's post-back to Kasa before it is sent;
	// the untouched post-back is returned by Drive3D for a later replay.
	Tamper func(url.Values)
}

// HostedCard is what the "customer" types on a bank's hosted card page.
type HostedCard struct {
	PAN, MM, YY, CVV, Holder string
}

// fill types c into the empty visible inputs of a hosted card page, found
// by their autocomplete attribute (as browsers do) or their name.
func (c *HostedCard) fill(f form) {
	for _, in := range f.inputs {
		if in["type"] == "hidden" || f.values.Get(in["name"]) != "" {
			continue
		}
		name, ac := strings.ToLower(in["name"]), in["autocomplete"]
		var v string
		switch {
		case ac == "cc-number" || strings.Contains(name, "pan") || strings.Contains(name, "cardnumber"):
			v = c.PAN
		case ac == "cc-exp":
			v = c.MM + c.YY
		case ac == "cc-exp-month" || strings.Contains(name, "month"):
			v = c.MM
		case ac == "cc-exp-year" || strings.Contains(name, "year"):
			v = c.YY
		case ac == "cc-csc" || strings.HasPrefix(name, "cv"):
			v = c.CVV
		case ac == "cc-name" || strings.Contains(name, "holder"):
			v = c.Holder
		default:
			continue
		}
		f.values.Set(in["name"], v)
	}
}

// Drive3D plays the customer's browser (without JavaScript): it opens
// redirectURL, submits every auto-posting form, answers the ACS page, and
// stops at the merchant's return URL, which it returns with the genuine
// post-back Kasa received (or would have received, with Tamper).
func Drive3D(redirectURL string, a ACS) (final string, callback url.Values, callbackURL string, err error) {
	return DriveWith(NoRedirects(nil), redirectURL, a)
}

// NoRedirects returns a client on t (nil: a new default transport) that
// hands redirects back instead of following them, as DriveWith needs.
func NoRedirects(t http.RoundTripper) *http.Client {
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// DriveWith is Drive3D on a client of the caller's (see NoRedirects), so
// that many flows share its connections.
func DriveWith(c *http.Client, redirectURL string, a ACS) (final string, callback url.Values, callbackURL string, err error) {
	req, _ := http.NewRequest(http.MethodGet, redirectURL, nil)
	for step := 0; step < 12; step++ {
		resp, err := c.Do(req)
		if err != nil {
			return "", nil, "", err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 {
			next, err := req.URL.Parse(loc)
			if err != nil {
				return "", nil, "", err
			}
			if strings.HasPrefix(next.String(), ReturnURL) {
				return next.String(), callback, callbackURL, nil
			}
			req, _ = http.NewRequest(http.MethodGet, next.String(), nil)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return "", callback, callbackURL, fmt.Errorf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, strings.TrimSpace(string(body)))
		}
		f, ok := parseForm(string(body))
		if !ok {
			return "", callback, callbackURL, fmt.Errorf("%s: page has no form: %.300s", req.URL, body)
		}
		action, err := req.URL.Parse(f.action)
		if err != nil {
			return "", nil, "", err
		}
		if a.Card != nil {
			a.Card.fill(f)
		}
		if strings.Contains(action.Path, "/_acs/") {
			f.values.Set("code", a.Code)
			f.values.Set("action", "submit")
			if a.Cancel {
				f.values.Set("action", "cancel")
			}
		}
		if strings.Contains(action.Path, "/3ds/") && strings.HasSuffix(action.Path, "/callback") {
			callback, callbackURL = cloneValues(f.values), action.String()
			if a.Tamper != nil {
				a.Tamper(f.values)
			}
		}
		if strings.EqualFold(f.method, "get") {
			action.RawQuery = f.values.Encode()
			req, _ = http.NewRequest(http.MethodGet, action.String(), nil)
		} else {
			req, _ = http.NewRequest(http.MethodPost, action.String(), strings.NewReader(f.values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	return "", callback, callbackURL, fmt.Errorf("3D flow did not return to the merchant")
}

// Post sends a form as a browser would and returns the status code.
func Post(u string, v url.Values) (int, error) {
	resp, err := NoRedirects(nil).PostForm(u, v)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

type form struct {
	action, method string
	values         url.Values
	inputs         []map[string]string
}

var (
	formRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRE = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRE  = regexp.MustCompile(`(?is)\b(name|value|action|method|type|autocomplete)\s*=\s*"([^"]*)"`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// parseForm reads the first form of a page: its action, method and the
// values of its named inputs.
func parseForm(page string) (form, bool) {
	m := formRE.FindStringSubmatch(page)
	if m == nil {
		return form{}, false
	}
	fa := attrs(m[1])
	f := form{action: fa["action"], method: fa["method"], values: url.Values{}}
	for _, in := range inputRE.FindAllStringSubmatch(m[2], -1) {
		a := attrs(in[1])
		if a["name"] != "" {
			f.values.Add(a["name"], a["value"])
			f.inputs = append(f.inputs, a)
		}
	}
	return f, true
}
