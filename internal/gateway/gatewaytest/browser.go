package gatewaytest

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// What a browser does with the simulators' 3D Secure pages.

var (
	reAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	reInput  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// PostForm posts form to target and returns the page, failing the test
// unless the reply is 200 OK.
func PostForm(t testing.TB, c *http.Client, target string, form url.Values) string {
	t.Helper()
	resp, err := c.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", target, resp.StatusCode, body)
	}
	return string(body)
}

// AutoPosted reads an auto-submitting page: its form's target and hidden
// fields.
func AutoPosted(t testing.TB, page string) (string, url.Values) {
	t.Helper()
	m := reAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in page:\n%s", page)
	}
	fields := url.Values{}
	for _, in := range reInput.FindAllStringSubmatch(page, -1) {
		fields.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), fields
}
