package secret

import (
	"bytes"
	"testing"
)

func TestKEY_SealOpenRewrap(t *testing.T) {
	old, _ := ParseKeyring(NewKeyringSpec(1))
	plain := []byte(`{"api_password":"ISBANK07","store_key":"TRPS0200"}`)
	aad := []byte("pos:pos_1:credentials")
	sealed := old.Seal(plain, aad)
	if bytes.Contains(sealed, []byte("ISBANK07")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := old.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// AAD binds the value to its record: a swapped row does not open.
	if _, err := old.Open(sealed, []byte("pos:pos_2:credentials")); err == nil {
		t.Fatal("value opened under another record's AAD")
	}
	// Tampering is detected.
	bad := append([]byte{}, sealed...)
	bad[len(bad)-1] ^= 1
	if _, err := old.Open(bad, aad); err == nil {
		t.Fatal("tampered value opened")
	}
	// Rotation: a new primary re-wraps, the old key still opens old values.
	spec2 := NewKeyringSpec(2)
	both, err := ParseKeyring(spec2 + "," + oldSpec(t, old))
	if err != nil {
		t.Fatal(err)
	}
	re, changed, err := both.Rewrap(sealed, aad)
	if err != nil || !changed {
		t.Fatalf("Rewrap = %v, %v", changed, err)
	}
	onlyNew, _ := ParseKeyring(spec2)
	if got, err := onlyNew.Open(re, aad); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("re-wrapped value does not open under the new key alone: %v", err)
	}
	if _, err := onlyNew.Open(sealed, aad); err == nil {
		t.Fatal("old value opened without its key")
	}
	if _, changed, _ := both.Rewrap(re, aad); changed {
		t.Fatal("re-wrapping under the primary again reported a change")
	}
}

func oldSpec(t *testing.T, kr *Keyring) string {
	t.Helper()
	for id, k := range kr.keys {
		return formatKey(id, k)
	}
	t.Fatal("empty keyring")
	return ""
}

func TestParseKeyringErrors(t *testing.T) {
	for _, bad := range []string{"", "1:short", "0:" + NewKeyringSpec(1)[2:], "x:abc"} {
		if _, err := ParseKeyring(bad); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", bad)
		}
	}
	one := NewKeyringSpec(1)
	if _, err := ParseKeyring(one + "," + one); err == nil {
		t.Error("duplicate key id accepted")
	}
}

func TestMACIsKeyed(t *testing.T) {
	a, _ := ParseKeyring(NewKeyringSpec(1))
	b, _ := ParseKeyring(NewKeyringSpec(1))
	if bytes.Equal(a.MAC("api-key", []byte("k")), b.MAC("api-key", []byte("k"))) {
		t.Fatal("MAC does not depend on the key")
	}
	if bytes.Equal(a.MAC("api-key", []byte("k")), a.MAC("pan", []byte("k"))) {
		t.Fatal("MAC does not depend on the purpose")
	}
}
