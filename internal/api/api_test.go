package api

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/store"
)

// The OpenAPI document lists exactly the routes the server serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var spec []string
	pathRE := regexp.MustCompile(`^  (/\S+):\s*$`)
	methodRE := regexp.MustCompile(`^    (get|post|patch|put|delete):\s*$`)
	cur := ""
	for _, line := range strings.Split(string(openapiSpec), "\n") {
		if m := pathRE.FindStringSubmatch(line); m != nil {
			cur = m[1]
		} else if m := methodRE.FindStringSubmatch(line); m != nil && cur != "" {
			spec = append(spec, strings.ToUpper(m[1])+" "+cur)
		} else if line != "" && !strings.HasPrefix(line, " ") {
			cur = "" // left the paths section
		}
	}
	var served []string
	for _, r := range (&Server{}).routes() {
		served = append(served, r.pattern)
	}
	sort.Strings(spec)
	sort.Strings(served)
	if strings.Join(spec, "\n") != strings.Join(served, "\n") {
		t.Fatalf("openapi.yaml and routes differ:\nspec:\n%s\n\nserved:\n%s", strings.Join(spec, "\n"), strings.Join(served, "\n"))
	}
}

// Every error code the spec promises is listed once; codes used in Go code
// but missing from the spec would break clients that switch on them.
func TestOpenAPIErrorCodesCoverCode(t *testing.T) {
	m := regexp.MustCompile(`enum: \[(api_key_missing[^\]]*)\]`).FindSubmatch(openapiSpec)
	if m == nil {
		t.Fatal("error code enum not found in openapi.yaml")
	}
	listed := map[string]bool{}
	for _, c := range strings.Split(string(m[1]), ",") {
		listed[strings.TrimSpace(c)] = true
	}
	for _, code := range []string{"idempotency_key_reused", "idempotency_key_in_progress", "refund_exceeds_captured",
		"operation_not_supported_by_pos", "card_number_invalid", "card_expired", "currency_unknown", "amount_invalid"} {
		if !listed[code] {
			t.Errorf("code %s missing from the spec", code)
		}
	}
}

func TestAPIKeyChecksum(t *testing.T) {
	body := "sk_test_" + strings.Repeat("a", keyRandomLen)
	key := body + keyChecksum(body)
	if mode, ok := wellFormedKey(key); !ok || mode != store.ModeTest {
		t.Fatalf("valid key refused")
	}
	// API-1: a one-character typo is caught by the checksum, before any lookup.
	typo := []byte(key)
	typo[10] = 'b'
	if _, ok := wellFormedKey(string(typo)); ok {
		t.Fatal("typo passed the checksum")
	}
	for _, bad := range []string{"", "sk_test_", "pk_test_" + key[8:], "sk_prod_" + key[8:], key + "x"} {
		if _, ok := wellFormedKey(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
