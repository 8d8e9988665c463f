package posnetsim

// refusal is PosNet refusing a request itself: approved 0 with respCode and
// respText. Codes marked "captured" appear in replies captured from the
// bank (with these texts); the others are this simulator's own numbering,
// since the bank's full list is not public.
type refusal struct {
	Code string
	Text string
}

var (
	errMIDTID       = refusal{"0148", "INVALID MID TID IP. Hatalı IP:127.0.0.1"} // captured
	errDuplicate    = refusal{"0127", "ORDERID DAHA ONCE KULLANILMIS 0127"}      // captured
	errNotFound     = refusal{"0123", "ISLEM BULUNAMADI"}                        // captured code
	errMAC          = refusal{"E216", "Mac Doğrulama hatalı"}                    // captured
	errRequest      = refusal{"0100", "HATALI ISTEK MESAJI"}
	errOrderID      = refusal{"0101", "GECERSIZ SIPARIS NUMARASI"}
	errAmount       = refusal{"0102", "GECERSIZ TUTAR"}
	errCurrency     = refusal{"0103", "GECERSIZ PARA BIRIMI"}
	errPAN          = refusal{"0104", "GECERSIZ KART NUMARASI"}
	errExpiry       = refusal{"0105", "GECERSIZ SON KULLANMA TARIHI"}
	errCVC          = refusal{"0106", "GECERSIZ GUVENLIK KODU"}
	errInstallments = refusal{"0107", "TAKSIT SAYISI GECERSIZ"}
	errCapture      = refusal{"0108", "PROVIZYON KAPAMA YAPILAMAZ"}
	errRefund       = refusal{"0109", "IADE TUTARI IADE EDILEBILIR TUTARDAN BUYUK"}
	errReverse      = refusal{"0110", "IPTAL EDILECEK ISLEM BULUNAMADI"}
	errTranType     = refusal{"0111", "GECERSIZ ISLEM TIPI"}
	errSign         = refusal{"0112", "SIGN DOGRULAMA HATALI"}
	errNot3D        = refusal{"0113", "3D DOGRULAMA BASARISIZ, FINANSALLASTIRMA YAPILAMAZ"}
	errPosnetID     = refusal{"0114", "GECERSIZ POSNET ID"}
)
