package mock

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// server is an HTTP server on a free loopback port that a test starts and closes, as
// net/http/httptest's Server is. This package does not use httptest: the tollgate binary
// links it (for `tollgate mock`) and should carry no test package.
type server struct {
	srv    *http.Server
	cancel context.CancelFunc
	served chan error
	once   sync.Once
}

// listen serves h on 127.0.0.1 and returns its base URL, http://127.0.0.1:PORT. It panics
// when no port is free, as httptest.NewServer does: a fake provider that cannot start is
// a broken test environment, not an error a test can handle.
func listen(h http.Handler, log *slog.Logger) (string, *server) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("mock: listening on a loopback port: %v", err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return ctx },
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		cancel: cancel,
		served: make(chan error, 1),
	}
	go func() { s.served <- s.srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), s
}

// close stops accepting connections, ends the request contexts of answers still being
// written (a generated stream stops at once; a replay writes on until done) and waits
// for every handler to return. Later calls do nothing.
func (s *server) close() {
	s.once.Do(func() {
		s.cancel()
		_ = s.srv.Shutdown(context.Background())
		<-s.served // http.ErrServerClosed
	})
}
