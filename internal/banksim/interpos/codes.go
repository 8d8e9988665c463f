package interpossim

// ipError is a refusal by the InterVPOS platform itself (no issuer
// involved): ProcReturnCode 81 with the detail in ErrorCode. B810002 was
// captured from Denizbank's hosts; the other codes are this simulator's own
// numbering in the same shape, since the bank's list is not public.
type ipError struct {
	Code    string
	Message string
}

// codePlatform is the ProcReturnCode of every platform refusal.
const codePlatform = "81"

var (
	errTerminal      = ipError{"B810002", "Terminal Aktif Degil"} // captured
	errRequest       = ipError{"B810100", "Istek okunamadi"}
	errCredentials   = ipError{"B810101", "Kullanici adi veya sifre hatali"}
	errAmount        = ipError{"B810102", "Gecersiz tutar"}
	errCurrency      = ipError{"B810103", "Gecersiz para birimi"}
	errPAN           = ipError{"B810104", "Gecersiz kart numarasi"}
	errExpiry        = ipError{"B810105", "Gecersiz son kullanma tarihi"}
	errCVV           = ipError{"B810106", "Gecersiz guvenlik kodu"}
	errInstallments  = ipError{"B810107", "Taksit sayisi bu isyeri icin tanimli degil"}
	errOrderID       = ipError{"B810108", "Gecersiz siparis numarasi"}
	errTxnType       = ipError{"B810109", "Gecersiz islem tipi"}
	errDuplicate     = ipError{"B810110", "Siparis numarasi daha once kullanilmis"}
	errNotFound      = ipError{"B810111", "Islem bulunamadi"}
	errCaptureAmount = ipError{"B810112", "Kapama tutari provizyon tutarini asamaz"}
	errRefundAmount  = ipError{"B810113", "Iade tutari iade edilebilir tutari asiyor"}
	errVoidRefunded  = ipError{"B810114", "Iadesi yapilmis islem iptal edilemez"}
	errNoSession     = ipError{"B810115", "3D oturumu bulunamadi veya kullanilmis"}
	errSession       = ipError{"B810116", "Islem bilgileri 3D oturumu ile uyusmuyor"}
)

// Messages of 3D outcomes.
const (
	msgApproved   = "Onaylandi"
	msg3DFailed   = "3D dogrulama basarisiz"
	msg3DCanceled = "3D dogrulama kart sahibi tarafindan iptal edildi"
)
