package akbanksim

// vpsError is a refusal by Akbank's platform itself (no issuer involved).
// Codes marked "captured" appear with these messages in replies captured
// from Akbank's test system; VPS-19xx are this simulator's own numbering,
// since the bank's full list is not public.
type vpsError struct {
	Code    string
	Message string
}

var (
	errProvision    = vpsError{"VPS-1005", "Provizyon Hatası"}                           // captured
	errOrigNotFound = vpsError{"VPS-1007", "Orjinal İşlem bulunamadı."}                  // captured
	errDuplicate    = vpsError{"VPS-1013", "Sipariş Numarası tekil olmalıdır"}           // captured
	errDateTime     = vpsError{"VPS-1073", "Geçerli talep tarihi giriniz."}              // captured
	errNotFound     = vpsError{"VPS-1123", "İşlem bulunamadı."}                          // captured
	err3DFailed     = vpsError{"VPS-1279", "BKM 3DS Server Doğrulama Başarısız"}         // captured
	errPAN          = vpsError{"VPS-1901", "Geçersiz kart numarası"}                     // simulator
	errExpiry       = vpsError{"VPS-1902", "Geçersiz son kullanma tarihi"}               // simulator
	errCVV          = vpsError{"VPS-1903", "Geçersiz güvenlik kodu"}                     // simulator
	errInstallments = vpsError{"VPS-1904", "Taksit sayısı bu işyeri için geçersiz"}      // simulator
	errRandom       = vpsError{"VPS-1905", "Geçersiz randomNumber"}                      // simulator
	errAmount       = vpsError{"VPS-1906", "Geçersiz tutar"}                             // simulator
	errCurrency     = vpsError{"VPS-1907", "Geçersiz para birimi"}                       // simulator
	errOrderID      = vpsError{"VPS-1908", "Geçersiz sipariş numarası"}                  // simulator
	errCaptureAmt   = vpsError{"VPS-1909", "Kapama tutarı ön provizyon tutarını aşamaz"} // simulator
	errSettled      = vpsError{"VPS-1910", "Gün sonu yapılmış işlem iptal edilemez"}     // simulator
	errVoidRefunded = vpsError{"VPS-1911", "İadesi yapılmış işlem iptal edilemez"}       // simulator
	errRefundAmount = vpsError{"VPS-1912", "İade tutarı iade edilebilir tutarı aşıyor"}  // simulator
	errNoSession    = vpsError{"VPS-1913", "3D oturumu bulunamadı veya kullanılmış"}     // simulator
	errTxnCode      = vpsError{"VPS-1914", "Geçersiz işlem kodu"}                        // simulator
	errVersion      = vpsError{"VPS-1915", "Geçersiz versiyon"}                          // simulator
)

const (
	codeApproved   = "VPS-0000"
	msgApproved    = "BAŞARILI"
	msg3DCancelled = "Kart sahibi 3D doğrulamayı iptal etti"
)
