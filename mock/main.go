package mock

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// shutdownGrace bounds the graceful shutdown once the context is done.
const shutdownGrace = 10 * time.Second

// config is the parsed command line of `tollgate mock`.
type config struct {
	listen string
	opts   Options
}

// parseFlags reads the command line, reporting every bad flag at once.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("tollgate mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	latency := fs.String("latency", "20ms", "delay before the first byte of every response")
	chunkDelay := fs.String("chunk-delay", "5ms", "delay before each streamed text delta")
	words := fs.String("words", strconv.Itoa(DefaultWords), "words in every reply (= output tokens)")
	chunkBytes := fs.String("chunk-bytes", "0", "split responses into flushed writes of this many bytes (0: one write per event)")
	fs.StringVar(&c.opts.Key, "key", "", "the only API key accepted (empty: any non-empty key)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	if c.listen == "" {
		errs = append(errs, errors.New("-listen: must not be empty"))
	}
	c.opts.FirstByteDelay = parseDuration("latency", *latency, &errs)
	c.opts.ChunkDelay = parseDuration("chunk-delay", *chunkDelay, &errs)
	c.opts.Words = parseInt("words", *words, 1, &errs)
	c.opts.ChunkBytes = parseInt("chunk-bytes", *chunkBytes, 0, &errs)
	return c, errors.Join(errs...)
}

func parseDuration(name, v string, errs *[]error) time.Duration {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		*errs = append(*errs, fmt.Errorf("-%s: %q is not a duration (e.g. 20ms)", name, v))
	case d < 0:
		*errs = append(*errs, fmt.Errorf("-%s: %s is negative", name, v))
	}
	return d
}

func parseInt(name, v string, least int, errs *[]error) int {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		*errs = append(*errs, fmt.Errorf("-%s: %q is not an integer", name, v))
	case n < least:
		*errs = append(*errs, fmt.Errorf("-%s: %d is less than %d", name, n, least))
	}
	return n
}

// Main runs `tollgate mock`: it serves the mock provider until ctx is done, then shuts
// down gracefully (in-flight streams end at once, since their contexts derive from ctx).
// It writes the address it listens on to stdout ("listening on http://HOST:PORT") and
// logs to stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.listen)
	if err != nil {
		return fmt.Errorf("mock: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           New(c.opts, log),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	log.Info("mock provider listening", "addr", addr, "latency", c.opts.FirstByteDelay,
		"chunk_delay", c.opts.ChunkDelay, "words", c.opts.Words, "chunk_bytes", c.opts.ChunkBytes,
		"key_required", c.opts.Key != "")
	if _, err := fmt.Fprintf(stdout, "listening on http://%s\n", addr); err != nil {
		_ = ln.Close()
		return fmt.Errorf("mock: %w", err)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("mock: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("mock: shutdown: %w", err)
	}
	log.Info("mock provider stopped")
	return nil
}
