package est3sim

import "strings"

// coreError is a validation refusal: ProcReturnCode 99, Response "Error",
// Extra/ERRORCODE CORE-xxxx and NUMCODE "99" + the four digits.
type coreError struct {
	Code    string
	Message string
}

// The codes marked "captured" appear in replies captured from EST hosts (with
// these messages); the others are this simulator's own numbering, since the
// bank's full list is not public.
var (
	errCredentials   = coreError{"CORE-2001", "Kullanıcı adı, şifre veya mağaza numarası hatalı"}
	errType          = coreError{"CORE-2002", "Geçersiz işlem tipi"}
	errRequest       = coreError{"CORE-2003", "İstek mesajı okunamadı"}
	errOrderID       = coreError{"CORE-2004", "Geçersiz sipariş numarası"}
	errDuplicate     = coreError{"CORE-2005", "Bu sipariş numarası ile daha önce onaylanmış bir işlem var (duplicate order id)"}
	errAmount        = coreError{"CORE-2006", "Geçersiz tutar"}
	errCurrency      = coreError{"CORE-2007", "Geçersiz para birimi"}
	errNoVoid        = coreError{"CORE-2008", "İptal edilmeye uygun satış işlemi bulunamadı."} // captured
	errPANFormat     = coreError{"CORE-2012", "Kredi karti numarasi gecerli formatta degil."}  // captured
	errExpiry        = coreError{"CORE-2013", "Son kullanma tarihi geçersiz"}
	errCVV           = coreError{"CORE-2014", "Güvenlik kodu geçersiz"}
	errNotFound      = coreError{"CORE-2015", "Sipariş bulunamadı"}
	errNoCapture     = coreError{"CORE-2016", "Kapatılabilecek ön provizyon bulunamadı"}
	errCaptureAmount = coreError{"CORE-2016", "Kapama tutarı ön provizyon tutarından büyük olamaz"}
	errNoRefund      = coreError{"CORE-2017", "İade edilebilecek tutar bulunamadı"}
	errRefundAmount  = coreError{"CORE-2017", "İade tutarı, iade edilebilecek tutardan büyük"}
	errVoidRefunded  = coreError{"CORE-2018", "İadesi yapılmış sipariş iptal edilemez"}
	errNotSettled    = coreError{"CORE-2508", "Iade yapilamaz, siparis gunsonuna girmemis."} // captured
	errInstallments  = coreError{"CORE-2603", "Taksit tablosu icin gecersiz deger"}          // captured
	errMD            = coreError{"CORE-2019", "3D doğrulaması bulunamadı, kullanılmış veya süresi dolmuş (md)"}
	err3DData        = coreError{"CORE-2020", "3D doğrulama verileri siparişle uyuşmuyor"}
	err3DAmount      = coreError{"CORE-2021", "Tutar, para birimi veya taksit 3D doğrulamasıyla uyuşmuyor"}
)

func (e coreError) numCode() string { return "99" + strings.TrimPrefix(e.Code, "CORE-") }
