package credentials

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// blockingSource hands out one token per call once released, counting the calls.
type blockingSource struct {
	release chan struct{}
	mu      sync.Mutex
	calls   int
}

func (s *blockingSource) Token() (*oauth2.Token, error) {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return &oauth2.Token{AccessToken: "tok", Expiry: time.Now().Add(time.Hour)}, nil
}

func TestGoogleConcurrentCallersShareOneFetch(t *testing.T) {
	src := &blockingSource{release: make(chan struct{})}
	g := NewGoogle(CloudPlatformScope)
	g.src = src
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			tok, err := g.Token(context.Background())
			if err == nil && tok != "tok" {
				err = errors.New("wrong token " + tok)
			}
			errs <- err
		})
	}
	close(src.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if src.calls != 1 {
		t.Fatalf("token fetches = %d, want 1", src.calls)
	}
}

func TestGoogleTokenReturnsWhenContextEnds(t *testing.T) {
	src := &blockingSource{release: make(chan struct{})}
	defer close(src.release)
	g := NewGoogle(CloudPlatformScope)
	g.src = src
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
