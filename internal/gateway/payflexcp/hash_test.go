package payflexcp

import "testing"

// Known-answer vector of mewebstudio/pos tests/Unit/Crypt/PayFlexCP4CryptTest.php
// (research notes §2.7), re-typed: the VakıfBank sandbox merchant, 10.10 TRY.
func TestHashedDataKnownAnswer(t *testing.T) {
	got := HashedData("000000000111111", "949", "10.10", "3XTgER89as")
	if want := "/MfLewtkUjpN5e/RY2iuIoT72hk="; got != want {
		t.Fatalf("HashedData = %s, want %s", got, want)
	}
	if HashedData("000000000111111", "949", "10.11", "3XTgER89as") == got {
		t.Fatal("the amount is not covered")
	}
}
