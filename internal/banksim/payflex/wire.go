package payflexsim

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxRequest bounds a request body; real ones are under 2 KB.
const maxRequest = 64 << 10

// Operation names for faults and logs.
const (
	OpSale       = "Sale"
	OpAuth       = "Auth"
	OpCapture    = "Capture"
	OpCancel     = "Cancel"
	OpRefund     = "Refund"
	OpSearch     = "Search"
	OpEnrollment = "Enrollment"
	OpInvalid    = "Invalid"
)

// refusal is a ResultCode with its text. Codes marked "captured" were seen
// in real replies; the others are this simulator's numbering.
type refusal struct{ Code, Text string }

var (
	errRequest      = refusal{"9000", "Geçersiz istek"}                             // simulator
	errMerchant     = refusal{"9039", "Üye işyeri bulunamadı."}                     // captured
	errOrderID      = refusal{"1010", "Geçersiz sipariş numarası"}                  // simulator
	errAmount       = refusal{"1011", "Geçersiz tutar"}                             // simulator
	errCurrency     = refusal{"1012", "Geçersiz para birimi"}                       // simulator
	errPAN          = refusal{"1015", "Geçersiz kart numarası formatı"}             // simulator
	errNotFound     = refusal{"1016", "Referans işlem bulunamadı"}                  // simulator
	errExpiry       = refusal{"1017", "Geçersiz son kullanma tarihi"}               // simulator
	errCVV          = refusal{"1018", "Geçersiz CVV"}                               // simulator
	errInstallments = refusal{"1019", "Taksit sayısı geçersiz"}                     // simulator
	errMPI          = refusal{"1020", "3D doğrulama bilgisi geçersiz"}              // simulator
	errDuplicate    = refusal{"1041", "Sipariş numarası daha önce kullanılmış"}     // simulator
	errCapture      = refusal{"1050", "Ön provizyon kapatılamaz"}                   // simulator
	errAllRefunded  = refusal{"1059", "İşlemin tamamı iade edilmiş."}               // captured
	errRefund       = refusal{"1060", "İade tutarı satış tutarını aşıyor"}          // simulator
	errCanceled     = refusal{"1083", "Referans islem daha önceden iptal edilmis."} // captured
	errCancel       = refusal{"1084", "İşlem iptal edilemez"}                       // simulator
)

// vposRequest is what the VPOS endpoint accepts.
type vposRequest struct {
	XMLName                xml.Name `xml:"VposRequest"`
	MerchantID             string   `xml:"MerchantId"`
	Password               string   `xml:"Password"`
	TerminalNo             string   `xml:"TerminalNo"`
	TransactionType        string   `xml:"TransactionType"`
	OrderID                string   `xml:"OrderId"`
	ReferenceTransactionID string   `xml:"ReferenceTransactionId"`
	CurrencyAmount         string   `xml:"CurrencyAmount"`
	CurrencyCode           string   `xml:"CurrencyCode"`
	Pan                    string   `xml:"Pan"`
	Expiry                 string   `xml:"Expiry"`
	Cvv                    string   `xml:"Cvv"`
	NumberOfInstallments   string   `xml:"NumberOfInstallments"`
	ECI                    string   `xml:"ECI"`
	CAVV                   string   `xml:"CAVV"`
	MpiTransactionID       string   `xml:"MpiTransactionId"`
	ClientIP               string   `xml:"ClientIp"`
}

// vposResponse is the VPOS reply; refusals carry only the result fields.
type vposResponse struct {
	XMLName                 xml.Name `xml:"VposResponse"`
	MerchantID              string   `xml:"MerchantId,omitempty"`
	TransactionType         string   `xml:"TransactionType,omitempty"`
	TransactionID           string   `xml:"TransactionId,omitempty"`
	ReferenceTransactionID  string   `xml:"ReferenceTransactionId,omitempty"`
	ResultCode              string   `xml:"ResultCode"`
	ResultDetail            string   `xml:"ResultDetail"`
	InstallmentTable        string   `xml:"InstallmentTable"`
	AuthCode                string   `xml:"AuthCode,omitempty"`
	HostDate                string   `xml:"HostDate,omitempty"`
	Rrn                     string   `xml:"Rrn,omitempty"`
	TerminalNo              string   `xml:"TerminalNo,omitempty"`
	CurrencyAmount          string   `xml:"CurrencyAmount,omitempty"`
	CurrencyCode            string   `xml:"CurrencyCode,omitempty"`
	OrderID                 string   `xml:"OrderId,omitempty"`
	ECI                     string   `xml:"ECI,omitempty"`
	ThreeDSecureType        string   `xml:"ThreeDSecureType,omitempty"`
	TransactionDeviceSource string   `xml:"TransactionDeviceSource,omitempty"`
	BatchNo                 string   `xml:"BatchNo,omitempty"`
	TLAmount                string   `xml:"TLAmount,omitempty"`
}

func refuse(e refusal) *vposResponse {
	return &vposResponse{ResultCode: e.Code, ResultDetail: e.Text}
}

// searchRequest is the Search endpoint's query.
type searchRequest struct {
	XMLName          xml.Name `xml:"SearchRequest"`
	MerchantCriteria struct {
		HostMerchantID   string `xml:"HostMerchantId"`
		MerchantPassword string `xml:"MerchantPassword"`
	} `xml:"MerchantCriteria"`
	TransactionCriteria struct {
		TransactionID string `xml:"TransactionId"`
		OrderID       string `xml:"OrderId"`
		AuthCode      string `xml:"AuthCode"`
	} `xml:"TransactionCriteria"`
}

type responseInfo struct {
	Status           string `xml:"Status"`
	ResponseCode     string `xml:"ResponseCode"`
	ResponseMessage  string `xml:"ResponseMessage"`
	ResponseDateTime string `xml:"ResponseDateTime"`
	IsIdempotent     string `xml:"IsIdempotent"`
}

type searchResult struct {
	MerchantID       string `xml:"MerchantId"`
	TransactionType  string `xml:"TransactionType"`
	TransactionID    string `xml:"TransactionId"`
	OrderID          string `xml:"OrderId"`
	ResultCode       string `xml:"ResultCode"`
	ResponseMessage  string `xml:"ResponseMessage"`
	AuthCode         string `xml:"AuthCode"`
	HostDate         string `xml:"HostDate"`
	Rrn              string `xml:"Rrn"`
	CurrencyAmount   string `xml:"CurrencyAmount"`
	AmountCode       string `xml:"AmountCode"`
	ThreeDSecureType string `xml:"ThreeDSecureType"`
	IsReversed       string `xml:"IsReversed"`
	IsCanceled       string `xml:"IsCanceled"`
	IsRefunded       string `xml:"IsRefunded"`
}

type searchResponse struct {
	XMLName        xml.Name       `xml:"SearchResponse"`
	ResponseInfo   responseInfo   `xml:"ResponseInfo"`
	PageIndex      int            `xml:"PageIndex"`
	PageSize       int            `xml:"PageSize"`
	TotalItemCount int            `xml:"TotalItemCount"`
	Results        []searchResult `xml:"TransactionSearchResultInfo>TransactionSearchResultInfo"`
}

// enrollmentResponse is the MPI's VERes envelope.
type enrollmentResponse struct {
	XMLName xml.Name `xml:"IPaySecure"`
	Message struct {
		ID    string `xml:"ID,attr"`
		VERes struct {
			Status  string `xml:"Status"`
			PaReq   string `xml:"PaReq,omitempty"`
			TermURL string `xml:"TermUrl,omitempty"`
			MD      string `xml:"MD,omitempty"`
			ACSURL  string `xml:"ACSUrl,omitempty"`
		} `xml:"VERes"`
	} `xml:"Message"`
	VerifyEnrollmentRequestID string `xml:"VerifyEnrollmentRequestId"`
	MessageErrorCode          string `xml:"MessageErrorCode,omitempty"`
	ErrorMessage              string `xml:"ErrorMessage,omitempty"`
}

// readForm parses a form body of at most maxRequest bytes.
func readForm(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxRequest {
		return nil, errors.New("request too large")
	}
	return url.ParseQuery(string(body))
}

// readDocument decodes the prmstr field into v.
func readDocument(r *http.Request, v any) error {
	f, err := readForm(r)
	if err != nil {
		return err
	}
	doc := strings.TrimSpace(f.Get("prmstr"))
	if doc == "" {
		return errors.New("prmstr missing")
	}
	return xml.Unmarshal([]byte(doc), v)
}

func encode(v any) []byte {
	b, err := xml.Marshal(v)
	if err != nil {
		panic(err) // only fixed struct types are encoded
	}
	return b
}
