package boa

import "github.com/kasapos/kasa/internal/gateway"

// Credential keys of a BOA POS (Kuveyt Türk, Vakıf Katılım).
const (
	CredMerchantID = "merchant_id"
	CredCustomerID = "customer_id"
	CredUserName   = "user_name"
	CredPassword   = "password"
)

// Credentials is the credential schema of a BOA POS at bank.
func Credentials(bank string) []gateway.CredentialField {
	return []gateway.CredentialField{
		{Key: CredMerchantID, Label: "MerchantId (Mağaza Kodu)", Help: "Virtual POS store number the bank sent with the approval.", Required: true},
		{Key: CredCustomerID, Label: "CustomerId (Müşteri Numarası)", Help: "The merchant's customer number at " + bank + ".", Required: true},
		{Key: CredUserName, Label: "UserName (API kullanıcı adı)", Help: "User with the API role created in the bank's merchant panel.", Required: true},
		{Key: CredPassword, Label: "Password (API kullanıcı şifresi)", Help: "Password of that API user; its SHA-1 (HashPassword) keys every HashData.", Secret: true, Required: true},
	}
}
