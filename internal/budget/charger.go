package budget

import (
	"context"
	"sync"
	"time"
)

// charger sends charges off the request path: a bounded queue drained by a fixed number
// of workers, each charge tried a bounded number of times. Nothing else starts a
// goroutine, so a dead service costs at most Workers goroutines and QueueSize queued
// requests; charges that find the queue full are dropped and counted.
type charger struct {
	s      *Service
	q      chan *Request
	mu     sync.RWMutex // held for writing only by close: no enqueue races it
	closed bool
	stop   chan struct{} // closed by close: workers drain the queue and return
	ctx    context.Context
	cancel context.CancelFunc // ends the calls in flight when close's deadline passes
	wg     sync.WaitGroup
}

func startCharger(s *Service) *charger {
	c := &charger{s: s, q: make(chan *Request, s.o.QueueSize), stop: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(s.o.Workers)
	for range s.o.Workers {
		go c.run()
	}
	return c
}

// enqueue never blocks.
func (c *charger) enqueue(r *Request) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.closed {
		select {
		case c.q <- r:
			return
		default:
		}
	}
	c.s.o.Observer.RatelimitError(ReasonDroppedCharge)
}

func (c *charger) run() {
	defer c.wg.Done()
	for {
		select {
		case r := <-c.q:
			c.send(r)
		case <-c.stop:
			for {
				select {
				case r := <-c.q:
					c.send(r)
				default:
					return
				}
			}
		}
	}
}

// send makes the charge call, retrying failures after which the charge most likely did
// not count: the connection (unavailable) or Redis (unknown_code) failed. A timeout or
// an unusable answer may have counted, so it is not retried.
func (c *charger) send(r *Request) {
	s := c.s
	backoff := s.o.Backoff
	for attempt := 1; ; attempt++ {
		now := s.o.Now()
		ctx, cancel := context.WithTimeout(c.ctx, s.o.ChargeTimeout)
		resp, err := s.rls.ShouldRateLimit(ctx, s.request(r.picks, r.addends, now))
		cancel()
		var statuses []Status
		if err == nil {
			statuses, err = r.interpret(resp, r.picks, r.addends, now)
		}
		if err == nil {
			for i := range statuses {
				s.o.Observer.BudgetRemaining(&statuses[i])
			}
			return
		}
		reason := classify(c.ctx, err)
		if reason != "" {
			s.o.Observer.RatelimitError(reason)
		}
		retry := reason == ReasonUnavailable || reason == ReasonUnknownCode
		if !retry || attempt >= s.o.Attempts || !c.sleep(backoff) {
			s.o.Logger.Debug("budget charge dropped", "team", r.team, "key", r.key, "attempts", attempt, "error", err)
			s.o.Observer.RatelimitError(ReasonDroppedCharge)
			return
		}
		backoff *= 2
	}
}

// sleep waits d, or less if the charger is cancelled; it reports whether to go on.
func (c *charger) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// close stops taking charges and lets the workers send what is queued until ctx ends;
// then it cancels the calls in flight (their charges are dropped and counted).
func (c *charger) close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		c.cancel()
		return nil
	case <-ctx.Done():
		c.cancel()
		<-done
		return ctx.Err()
	}
}
