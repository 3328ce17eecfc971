package devstack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/mock"
)

// mockOptions answer as `tollgate mock` does by default, as in docker-compose: 20ms to
// the first byte, 5ms between streamed words, mock.DefaultWords words.
var mockOptions = mock.Options{FirstByteDelay: 20 * time.Millisecond, ChunkDelay: 5 * time.Millisecond, Words: mock.DefaultWords}

// mockServer is the built-in mock provider on a loopback port.
type mockServer struct {
	srv    *http.Server
	cancel context.CancelFunc
	addr   hostPort
	url    string
}

func startMock(stderr io.Writer) (*mockServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mock provider: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	m := &mockServer{cancel: cancel, url: "http://" + ln.Addr().String(), srv: &http.Server{
		Handler:           mock.New(mockOptions, log),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}
	if m.addr, err = parseHostPort(ln.Addr().String()); err != nil {
		ln.Close()
		return nil, err
	}
	go func() { _ = m.srv.Serve(ln) }()
	return m, nil
}

// close ends the streams still being written and closes the server.
func (m *mockServer) close() {
	m.cancel()
	_ = m.srv.Close()
}
