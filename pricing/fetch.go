package pricing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// validators remember what was last loaded, for conditional requests.
type validators struct {
	etag, lastModified string    // HTTP
	modTime            time.Time // file
	size               int64     // file
}

// errNotModified says the source has not changed since the validators were taken.
var errNotModified = errors.New("not modified")

// fetcher reads a price source: an http(s) URL or a file path (optionally file://).
type fetcher struct {
	source   string
	client   *http.Client
	maxBytes int64
}

func (f *fetcher) isHTTP() bool {
	return strings.HasPrefix(f.source, "http://") || strings.HasPrefix(f.source, "https://")
}

// fetch returns the source's bytes and new validators, or errNotModified.
func (f *fetcher) fetch(ctx context.Context, v validators) ([]byte, validators, error) {
	if f.isHTTP() {
		return f.fetchHTTP(ctx, v)
	}
	return f.fetchFile(v)
}

func (f *fetcher) fetchHTTP(ctx context.Context, v validators) ([]byte, validators, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.source, nil)
	if err != nil {
		return nil, v, fmt.Errorf("price file %s: %w", redactURL(f.source), err)
	}
	if v.etag != "" {
		req.Header.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		req.Header.Set("If-Modified-Since", v.lastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		// The error's text may hold the URL with its query: name it redacted instead.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, v, fmt.Errorf("price file %s: %w", redactURL(f.source), err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, v, errNotModified
	case http.StatusOK:
	default:
		return nil, v, fmt.Errorf("price file %s: HTTP %s", redactURL(f.source), resp.Status)
	}
	body, err := readLimited(resp.Body, f.maxBytes)
	if err != nil {
		return nil, v, fmt.Errorf("price file %s: %w", redactURL(f.source), err)
	}
	return body, validators{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}

func (f *fetcher) fetchFile(v validators) ([]byte, validators, error) {
	path := strings.TrimPrefix(f.source, "file://")
	file, err := os.Open(path)
	if err != nil {
		return nil, v, fmt.Errorf("price file: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, v, fmt.Errorf("price file: %w", err)
	}
	if !v.modTime.IsZero() && st.ModTime().Equal(v.modTime) && st.Size() == v.size {
		return nil, v, errNotModified
	}
	body, err := readLimited(file, f.maxBytes)
	if err != nil {
		return nil, v, fmt.Errorf("price file %s: %w", path, err)
	}
	return body, validators{modTime: st.ModTime(), size: st.Size()}, nil
}

func readLimited(r io.Reader, max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return body, nil
}

// redactURL drops credentials and the query (which may carry a token) from a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.Fragment = ""
	return u.String()
}
