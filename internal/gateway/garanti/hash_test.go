package garanti

import "testing"

// Known-answer vectors from the research notes (§2.2, §2.7: the public
// library's Garanti crypt tests), for the public sandbox terminal 30691298,
// PROVAUT and PROVRFN password 123qweASD/, store key 12345678.
const (
	kaTerminal = "30691298"
	kaPassword = "123qweASD/"
	kaStoreKey = "12345678"
)

func TestHashDataVectors(t *testing.T) {
	sd := SecurityData(kaPassword, kaTerminal)
	for _, tc := range []struct {
		name, order, amount, want string
	}{
		{"sales", "order222", "10025", "0CFE09F107274C6A07292DA061A4EECAB0F5F0CF87F831F2D3626A3346A941126C52D1D95A3B77ADF5AC348B3D25C76BA5D8D98A29557D087D3367BFFACCD25C"},
		{"void fixed amount 100", "4499996", "100", "C0C88761726D1844AF49FBE756DBE4586F7339169994CF700AE50AA8EAD0C8E81F5828C3392CE39CFC3F8C976FC3E24B576F4DB55DAF2E7D3A6F6B6E5E89B189"},
		{"refund real amount", "4499996", "202", "0F97D922001221B9C90AA692CF5D4082FF6D3EB38BE863A47F9C08E63CD87312270D6F298E5FBBC320654861DA1C6EE826E0C83E904916351A9D3032FA426BAA"},
	} {
		if got := HashData(tc.order, kaTerminal, "", tc.amount, "949", sd); got != tc.want {
			t.Errorf("%s: got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestHash3DFormVector(t *testing.T) {
	got := Hash3DForm(kaTerminal, "order222", "10025", "949", "https://domain.com/success", "https://domain.com/fail_url",
		"sales", "", kaStoreKey, SecurityData(kaPassword, kaTerminal))
	const want = "372D6CB20B2B699D0A6667DFF46E3AA8CF3F9D8C2BB69A7C411895151FFCFAAB5277CCFE3B3A06035FEEFBFBFD40C79DBE51DBF867D0A24B37335A28F0CEFDE2"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// vectorCallback is a genuine sandbox 3D callback (model 3D, mdstatus 1).
var vectorCallback = map[string]string{
	"clientid": "30691298",
	"oid":      "2023100354BB",
	"mdstatus": "1",
	"cavv":     "xgRlQDz4AAAAAAAAAAAAAAAAAAA=",
	"eci":      "02",
	"md":       "aW5kZXg6MDJ6LjAI5iAcKf/ilXjYIOnTh4t+deHrtwO8ze7tPTL1YCDcBe8KEpuq6HDLYbqQSluL7p3kGcpFzX9s9XcegNhHMsDszxqGd33+p+p5sULGrDF3J2GGfiJDwan4ku7+eiTyS8x2xS9pUy7PTgMGc6jw94aLfXLHskhvY7FYWrymzQ==",
	"rnd":      "kW094tPzNEhqORzzCsLB",
}

const vectorCallbackHash = "416B6253425E73184F118CC02E3BAA393622059BF6B0865D83F501E55A61339B9EC659CBCF7297EDECC1B17BF6281D90CC0AD8EDF3E1EFE94432ACCEAF79B26E"

func TestCallbackHashVector(t *testing.T) {
	get := func(k string) string { return vectorCallback[k] }
	if got := HashCallback(get, kaStoreKey); got != vectorCallbackHash {
		t.Errorf("got %s\nwant %s", got, vectorCallbackHash)
	}
	if !VerifyCallback(get, kaStoreKey, vectorCallbackHash) {
		t.Error("genuine vector rejected")
	}
	for name, bad := range map[string]string{
		"lower case":  "416b6253425e73184f118cc02e3baa393622059bf6b0865d83f501e55a61339b9ec659cbcf7297edecc1b17bf6281d90cc0ad8edf3e1efe94432acceaf79b26e",
		"empty":       "",
		"other key":   HashCallback(get, "87654321"),
		"one bit off": "416B6253425E73184F118CC02E3BAA393622059BF6B0865D83F501E55A61339B9EC659CBCF7297EDECC1B17BF6281D90CC0AD8EDF3E1EFE94432ACCEAF79B26F",
	} {
		if VerifyCallback(get, kaStoreKey, bad) {
			t.Errorf("%s: accepted", name)
		}
	}
	md := func(k string) string {
		if k == "mdstatus" {
			return ""
		}
		return vectorCallback[k]
	}
	if VerifyCallback(md, kaStoreKey, vectorCallbackHash) {
		t.Error("vector with mdstatus removed accepted")
	}
}
