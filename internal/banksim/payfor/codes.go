package payforsim

// pfError is a refusal by the PayFor platform itself (no issuer involved).
// Codes marked "captured" appear with these messages in replies captured
// from PayFor hosts; the V2xx codes are this simulator's own numbering, since
// the bank's full list is not public.
type pfError struct {
	Code    string
	Message string
}

var (
	errCredentials   = pfError{"V004", "Geçersiz kullanıcı bilgisi"}                             // captured code
	errNotFound      = pfError{"V013", "Seçili İşlem Bulunamadı!"}                               // captured
	errRefundSameDay = pfError{"V014", "Bu işlem geri alınamaz, lütfen asıl işlemi iptal edin."} // captured
	errPAN           = pfError{"M041", "Geçersiz kart numarası"}                                 // captured
	errDuplicate     = pfError{"101310", "Verilen sipariş no önceden kullanılmıştır."}           // captured
	errRequest       = pfError{"V200", "İstek mesajı okunamadı"}
	errExpiry        = pfError{"V201", "Son kullanma tarihi geçersiz"}
	errCVV           = pfError{"V202", "Güvenlik kodu geçersiz"}
	errInstallments  = pfError{"V203", "Taksit sayısı bu işyeri için tanımlı değil"}
	errAmount        = pfError{"V204", "Geçersiz tutar"}
	errCurrency      = pfError{"V205", "Geçersiz para birimi"}
	errOrderID       = pfError{"V206", "Geçersiz sipariş numarası"}
	errTxnType       = pfError{"V207", "Geçersiz işlem tipi"}
	errCaptureAmount = pfError{"V208", "Kapama tutarı ön provizyon tutarını aşamaz"}
	errRefundAmount  = pfError{"V209", "İade tutarı iade edilebilir tutarı aşıyor"}
	errVoidRefunded  = pfError{"V210", "İadesi yapılmış işlem iptal edilemez"}
	errNoSession     = pfError{"V211", "3D oturumu bulunamadı veya kullanılmış"}
)

// 3D outcomes (captured codes and messages).
const (
	code3DOK      = "V033" // 3D model: authentication done, provisioning pending
	code3DFailed  = "V034"
	code3DPayFail = "MR15"
	msg3DOK       = "3D Kullanıcı Doğrulama Adımı Başarılı"
	msg3DFailed   = "3D Kullanıcı Doğrulama Adımı Başarısız"
	msg3DPayFail  = "3D Secure Authorize Error"
	msg3DCancel   = "3D doğrulama kart sahibi tarafından iptal edildi"
	msgApproved   = "Onaylandı"
)
