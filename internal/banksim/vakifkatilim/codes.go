package vakifkatilimsim

// Response codes and messages. Two-character codes are the issuer's
// (banksim.Declines); the others are the BOA platform's refusals.
//
// Codes marked "captured" appear with these messages in replies captured
// from Vakıf Katılım (public library fixtures) or, for HashDataError and
// InvalidTransactionSecurity, from its BOA sibling Kuveyt Türk. The bank
// publishes no full list: the codes marked "sim" are this simulator's own
// naming for refusals whose real code is not public.
type refusal struct{ Code, Message string }

var (
	errMerchant        = refusal{"MerchantNotDefined", "Uye isyeri kullanici tanimi bulunamadi."}          // captured
	errHash            = refusal{"HashDataError", "Şifrelenen veriler (Hashdata) uyuşmamaktadır."}         // captured (Kuveyt Türk)
	errSecurity        = refusal{"InvalidTransactionSecurity", "TransactionSecurity hatalı"}               // captured code (issue #254)
	errOrderNotFound   = refusal{"OrderDataNotFound", "islem bilgisi bulunamadi."}                         // captured
	errNoResult        = refusal{"NonResult", "Kriterlere uygun sonuc bulunmamaktadir."}                   // captured
	errNotEnrolled     = refusal{"CardNotEnrolled", "Card 3D Secure kayitli degil."}                       // captured
	errAuthFailed      = refusal{"MPIAuthenticationStatusN", "(N)Isleminiz gerceklestirelemedi."}          // captured
	errDuplicate       = refusal{"MerchantOrderIdAlreadyExists", "Aynı sipariş numarası ile işlem mevcut"} // sim (code as boa maps it)
	errAuthCancelled   = refusal{"MPIAuthenticationCancel", "3D doğrulama kart sahibi tarafından iptal edildi"}
	errRequest         = refusal{"InvalidXml", "İstek okunamadı"}                                         // sim
	errOrderID         = refusal{"InvalidMerchantOrderId", "Sipariş numarası hatalı"}                     // sim
	errCurrency        = refusal{"InvalidCurrencyCode", "Para birimi hatalı"}                             // sim
	errAmount          = refusal{"InvalidAmount", "Tutar hatalı"}                                         // sim
	errInstallments    = refusal{"InvalidInstallmentCount", "Taksit sayısı hatalı"}                       // sim
	errCard            = refusal{"InvalidCardNumber", "Kart bilgileri hatalı"}                            // sim
	errURL             = refusal{"InvalidUrl", "OkUrl / FailUrl hatalı"}                                  // sim
	errEmptyMD         = refusal{"EmptyMDException", "MD bulunamadı veya siparişle uyuşmuyor"}            // sim (as Kuveyt's simulator)
	errCancelNotAllow  = refusal{"CancelNotAllowed", "İptal edilebilecek işlem bulunamadı"}               // sim
	errBatchClosed     = refusal{"EndOfDayClosed", "Gün sonu alınmış işlem iptal edilemez, iade yapınız"} // sim
	errCloseNotAllowed = refusal{"CloseNotAllowed", "Kapatılabilecek ön provizyon bulunamadı"}            // sim
	errDrawBackNotAllw = refusal{"DrawBackNotAllowed", "İade edilebilecek işlem bulunamadı"}              // sim
	errAmountExceeded  = refusal{"AmountExceeded", "Tutar kalan tutarı aşıyor"}                           // sim (as Kuveyt's simulator)
	errDateRange       = refusal{"InvalidDateRange", "Tarih aralığı en fazla 90 gün olabilir"}            // sim
)

// Messages of approvals and of the 3D steps.
const (
	msgApproved      = "İşlem onaylandı"  // captured
	msgAuthenticated = "Kart doğrulandı." // captured
)
