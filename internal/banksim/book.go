package banksim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// TxnType is a bank-side transaction type.
type TxnType string

const (
	TxnAuth     TxnType = "Auth"    // sale
	TxnPreAuth  TxnType = "PreAuth" // pre-authorisation
	TxnPostAuth TxnType = "PostAuth"
	TxnVoid     TxnType = "Void"
	TxnCredit   TxnType = "Credit" // refund
)

// OrderState is where an order stands at the simulated bank.
type OrderState string

const (
	OrderAuthorized        OrderState = "authorized" // pre-auth open
	OrderCaptured          OrderState = "captured"   // sale, or pre-auth captured
	OrderPartiallyRefunded OrderState = "partially_refunded"
	OrderRefunded          OrderState = "refunded"
	OrderVoided            OrderState = "voided"
	OrderDeclined          OrderState = "declined" // only declined attempts so far
)

// Txn is one request the bank processed for an order, approved or not.
type Txn struct {
	Type      TxnType   `json:"type"`
	Amount    int64     `json:"amount"` // minor units
	Approved  bool      `json:"approved"`
	Code      string    `json:"code"` // response code, "00" when approved
	ErrorCode string    `json:"error_code,omitempty"`
	Message   string    `json:"message,omitempty"`
	AuthCode  string    `json:"auth_code,omitempty"`
	HostRef   string    `json:"host_ref,omitempty"`
	TransID   string    `json:"trans_id"`
	Time      time.Time `json:"time"`
}

// Order is the bank's record of one order id of one merchant. Amounts are
// minor units of Currency. No full card number is kept.
type Order struct {
	Merchant     string     `json:"merchant"`
	ID           string     `json:"id"`
	Type         TxnType    `json:"type"` // TxnAuth or TxnPreAuth
	State        OrderState `json:"state"`
	Currency     string     `json:"currency"` // ISO 4217 alphabetic
	Authorized   int64      `json:"authorized"`
	Captured     int64      `json:"captured"`
	Refunded     int64      `json:"refunded"`
	Installments int        `json:"installments"`
	AuthCode     string     `json:"auth_code,omitempty"`
	HostRef      string     `json:"host_ref,omitempty"`
	TransID      string     `json:"trans_id,omitempty"`
	Card         string     `json:"card"` // masked
	Holder       string     `json:"holder,omitempty"`
	Email        string     `json:"email,omitempty"`
	ClientIP     string     `json:"client_ip,omitempty"`
	Settled      bool       `json:"settled"` // batch closed: no void, refunds allowed
	// AuthAttempts counts Auth/PreAuth requests processed for this order id
	// (approved or declined; not those refused before processing).
	AuthAttempts int       `json:"auth_attempts"`
	CreatedAt    time.Time `json:"created_at"`
	AuthorizedAt time.Time `json:"authorized_at"`
	CapturedAt   time.Time `json:"captured_at"`
	VoidedAt     time.Time `json:"voided_at"`
	Txns         []Txn     `json:"transactions"`
}

// ApprovedAuths counts approved Auth/PreAuth transactions; more than one per
// order would be a double charge.
func (o *Order) ApprovedAuths() int {
	n := 0
	for _, t := range o.Txns {
		if t.Approved && (t.Type == TxnAuth || t.Type == TxnPreAuth) {
			n++
		}
	}
	return n
}

// Outstanding is the money approved and not reversed: an open pre-auth's
// hold, or what was captured minus what was refunded; zero once voided.
func (o *Order) Outstanding() int64 {
	switch o.State {
	case OrderVoided, OrderDeclined:
		return 0
	case OrderAuthorized:
		return o.Authorized
	}
	return o.Captured - o.Refunded
}

func (o *Order) clone() Order {
	c := *o
	c.Txns = append([]Txn(nil), o.Txns...)
	return c
}

type orderKey struct{ merchant, id string }

// Book is a simulated bank's order book. It is safe for concurrent use;
// Update runs under its lock so that, as at a real bank, two concurrent
// requests for one order id are serialised.
type Book struct {
	mu     sync.Mutex
	orders map[orderKey]*Order
	order  []orderKey // insertion order, for listing
}

// NewBook returns an empty book.
func NewBook() *Book { return &Book{orders: map[orderKey]*Order{}} }

// Update runs fn with the stored order (nil if none) under the book's lock.
// fn may change the order in place; a non-nil return value is stored in its
// place (that is how a new order is added).
func (b *Book) Update(merchant, id string, fn func(o *Order) *Order) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := orderKey{merchant, id}
	cur := b.orders[k]
	if next := fn(cur); next != nil && next != cur {
		next.Merchant, next.ID = merchant, id
		if cur == nil {
			b.order = append(b.order, k)
		}
		b.orders[k] = next
	}
}

// Get returns a copy of an order.
func (b *Book) Get(merchant, id string) (Order, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.orders[orderKey{merchant, id}]
	if !ok {
		return Order{}, false
	}
	return o.clone(), true
}

// Find returns copies of the orders with this id, whatever the merchant.
func (b *Book) Find(id string) []Order {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Order
	for _, k := range b.order {
		if k.id == id {
			out = append(out, b.orders[k].clone())
		}
	}
	return out
}

// All returns copies of every order, oldest first.
func (b *Book) All() []Order {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Order, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, b.orders[k].clone())
	}
	return out
}

// Delete removes one order, as if the bank had lost it (reconciliation
// tests); it reports whether the order existed.
func (b *Book) Delete(merchant, id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := orderKey{merchant, id}
	if _, ok := b.orders[k]; !ok {
		return false
	}
	delete(b.orders, k)
	b.order = slices.DeleteFunc(b.order, func(x orderKey) bool { return x == k })
	return true
}

// Reset empties the book.
func (b *Book) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.orders = map[orderKey]*Order{}
	b.order = nil
}

// CloseBatch settles every approved order (end of day): voids are refused
// afterwards and refunds become possible where the bank requires settlement.
// It returns how many orders it settled.
func (b *Book) CloseBatch() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, o := range b.orders {
		if !o.Settled && o.State != OrderDeclined && o.State != OrderVoided {
			o.Settled = true
			n++
		}
	}
	return n
}

// AuthAttempts is the number of Auth/PreAuth requests processed for order
// id, over all merchants.
func (b *Book) AuthAttempts(id string) int {
	n := 0
	for _, o := range b.Find(id) {
		n += o.AuthAttempts
	}
	return n
}

// ApprovedAuths is the number of approved Auth/PreAuth for order id.
func (b *Book) ApprovedAuths(id string) int {
	n := 0
	for _, o := range b.Find(id) {
		n += o.ApprovedAuths()
	}
	return n
}

// ApprovedTotal sums Outstanding over all orders, per currency code: the
// money the simulated bank considers taken from cardholders.
func (b *Book) ApprovedTotal() map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int64{}
	for _, o := range b.orders {
		if v := o.Outstanding(); v != 0 {
			out[o.Currency] += v
		}
	}
	return out
}

// Counts returns the number of orders per state.
func (b *Book) Counts() map[OrderState]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[OrderState]int{}
	for _, o := range b.orders {
		out[o.State]++
	}
	return out
}

var refSeq atomic.Uint64

// NewHostRef returns a 12-digit retrieval reference number in the shape EST
// hosts use: last digit of the year, day of year, then a sequence.
func NewHostRef(now time.Time) string {
	return fmt.Sprintf("%d%03d%08d", now.Year()%10, now.YearDay(), refSeq.Add(1)%100000000)
}

const transIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewTransID returns a bank transaction id: two-digit year, day of year, then
// nine random characters ("24003Vl7F13152").
func NewTransID(now time.Time) string {
	b := make([]byte, 9)
	for i := range b {
		b[i] = transIDAlphabet[rand.IntN(len(transIDAlphabet))]
	}
	return fmt.Sprintf("%02d%03d%s", now.Year()%100, now.YearDay(), b)
}

// NewAuthCode returns a six-character approval code: prefix and five digits.
func NewAuthCode(prefix string) string {
	return fmt.Sprintf("%s%05d", prefix, rand.IntN(100000))
}
