package sqlstore

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// field binds one column to one struct field. The same list serves as scan
// destinations and, dereferenced, as statement arguments, so a column's order
// and conversion are written once per table.
type field struct {
	col   string
	ptr   any  // *string, *store.Mode, *int, *int64, *bool, or a codec below
	fixed bool // identity or creation data: never changed by an update
}

// table describes one record type's table and the SQL derived from it.
type table[T any] struct {
	name   string
	fields func(*T) []field
	cols   string // select list
	insert string // full INSERT statement
	set    string // "a = ?, b = ?" over the columns an update may change
}

func newTable[T any](name string, fields func(*T) []field) *table[T] {
	var cols, marks, set []string
	for _, f := range fields(new(T)) {
		cols = append(cols, f.col)
		marks = append(marks, "?")
		if !f.fixed {
			set = append(set, f.col+" = ?")
		}
	}
	t := &table[T]{name: name, fields: fields, cols: strings.Join(cols, ", "), set: strings.Join(set, ", ")}
	t.insert = "INSERT INTO " + name + " (" + t.cols + ") VALUES (" + strings.Join(marks, ", ") + ")"
	return t
}

// dests returns scan destinations for a fresh record.
func (t *table[T]) dests() (*T, []any) {
	v := new(T)
	fs := t.fields(v)
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = f.ptr
	}
	return v, out
}

// args returns the values of v's columns in table order; with onlyMutable,
// those of the update's SET list. It normalises v's times to what is stored
// (UTC, microseconds), so the written record equals the one read back.
func (t *table[T]) args(v *T, onlyMutable bool) ([]any, error) {
	var out []any
	for _, f := range t.fields(v) {
		if onlyMutable && f.fixed {
			continue
		}
		if m, ok := f.ptr.(micros); ok && !m.t.IsZero() {
			*m.t = m.t.UTC().Truncate(time.Microsecond)
		}
		a, err := arg(f.ptr)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.name, f.col, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// arg dereferences a field pointer into a plain driver value, so both drivers
// receive the same types regardless of how they treat pointers or named types.
func arg(p any) (any, error) {
	switch v := p.(type) {
	case *string:
		return *v, nil
	case *store.Mode:
		return string(*v), nil
	case *int:
		return int64(*v), nil
	case *int64:
		return *v, nil
	case *bool:
		return *v, nil
	case driver.Valuer:
		return v.Value()
	}
	return nil, fmt.Errorf("sqlstore: unsupported field type %T", p)
}

// micros stores a time as BIGINT unix microseconds (UTC). 0 is the zero time,
// which marks "not yet" (RevokedAt, CompletedAt).
type micros struct{ t *time.Time }

func (m micros) Value() (driver.Value, error) {
	if m.t.IsZero() {
		return int64(0), nil
	}
	return m.t.UnixMicro(), nil
}

func (m micros) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("sqlstore: time column holds %T, want int64", src)
	}
	if v == 0 {
		*m.t = time.Time{}
	} else {
		*m.t = time.UnixMicro(v).UTC()
	}
	return nil
}

// list stores a []string as comma-joined TEXT.
type list struct{ s *[]string }

func (l list) Value() (driver.Value, error) {
	for _, e := range *l.s {
		if e == "" || strings.Contains(e, ",") {
			return nil, fmt.Errorf("%w: list element %q is empty or has a comma", store.ErrInvariant, e)
		}
	}
	return strings.Join(*l.s, ","), nil
}

func (l list) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("sqlstore: list column holds %T", src)
	}
	*l.s = nil
	if s != "" {
		*l.s = strings.Split(s, ",")
	}
	return nil
}

// intList stores a []int as comma-joined TEXT ("2,3,6").
type intList struct{ s *[]int }

func (l intList) Value() (driver.Value, error) {
	parts := make([]string, len(*l.s))
	for i, n := range *l.s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ","), nil
}

func (l intList) Scan(src any) error {
	var ss []string
	if err := (list{&ss}).Scan(src); err != nil {
		return err
	}
	*l.s = nil
	for _, e := range ss {
		n, err := strconv.Atoi(e)
		if err != nil {
			return fmt.Errorf("sqlstore: int list element %q: %w", e, err)
		}
		*l.s = append(*l.s, n)
	}
	return nil
}

// blob stores bytes NOT NULL (nil is written as empty) and reads empty as nil,
// so a record round-trips whichever way the driver reports an empty value.
type blob struct{ b *[]byte }

func (b blob) Value() (driver.Value, error) {
	return nonNil(*b.b), nil
}

func (b blob) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		*b.b = nil
		if len(v) > 0 {
			*b.b = append([]byte(nil), v...) // the driver may reuse v
		}
		return nil
	case string:
		*b.b = nil
		if v != "" {
			*b.b = []byte(v)
		}
		return nil
	case nil:
		*b.b = nil
		return nil
	}
	return errors.New("sqlstore: blob column holds a non-byte value")
}

// now is the store's clock for defaults, at the stored precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// orNow sets a zero time to now.
func orNow(ts ...*time.Time) {
	n := now()
	for _, t := range ts {
		if t.IsZero() {
			*t = n
		}
	}
}
