package pricing

import "sync/atomic"

// Store holds the current Table. Current returns one immutable snapshot: price a request
// with the table taken when it started, even if a refresh swaps in another meanwhile.
// It is safe for concurrent use.
type Store struct {
	cur atomic.Pointer[Table]
}

// NewStore returns a store holding t.
func NewStore(t *Table) *Store {
	s := &Store{}
	s.cur.Store(t)
	return s
}

// Current returns the current table.
func (s *Store) Current() *Table { return s.cur.Load() }

// Set swaps in t.
func (s *Store) Set(t *Table) { s.cur.Store(t) }
