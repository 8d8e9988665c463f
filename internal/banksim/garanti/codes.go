package garantisim

// gvpsError is a refusal by the gateway itself: Source GVPS, Code 92 and a
// four-digit ReasonCode. Codes marked "captured" appear, with these
// messages, in replies captured from Garanti; the others are this
// simulator's own numbering, since the bank's full list is not public.
type gvpsError struct {
	Reason  string
	Message string
}

var (
	errMandatory     = gvpsError{"0002", "Giriş yaptığınız işlem tipi için zorunlu alanları kontrol ediniz"} // captured
	errNoOrder       = gvpsError{"0108", "Gönderilen sipariş numarasına ait kayıt bulunmamaktadır"}          // captured
	errNotFound      = gvpsError{"0110", "İşlem bulunamadı"}                                                 // captured
	errRefundInvalid = gvpsError{"0208", "İade etmek istediğiniz işlem geçerli değil"}                       // captured
	errCard          = gvpsError{"0105", "Kart numarası, son kullanma tarihi veya güvenlik kodu geçersiz"}
	errNoVoid        = gvpsError{"0209", "İptal edilecek işlem bulunamadı"}
	errDuplicate     = gvpsError{"0212", "Bu sipariş numarası ile daha önce başarılı işlem yapılmış"}
	errNoCapture     = gvpsError{"0213", "Kapatılacak ön otorizasyon bulunamadı veya tutar uygun değil"}
	errRefundAmount  = gvpsError{"0214", "İade tutarı, iade edilebilir tutardan büyük"}
	errInstallments  = gvpsError{"0223", "Taksit sayısı bu işlem için geçersiz"}
	errCurrency      = gvpsError{"0225", "Geçersiz para birimi"}
	err3D            = gvpsError{"0301", "3D doğrulama bilgileri geçersiz"}
	errAuth          = gvpsError{"0651", "Geçersiz terminal, kullanıcı veya HashData"}
)
