package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/config"
)

// fetcher collects one provider's catalog within its Limits: it counts pages, keeps
// the ids once each, refuses a page token it has seen before, and reads each answer
// as bounded JSON. Not safe for concurrent use.
type fetcher struct {
	client  *http.Client
	limits  Limits
	pages   int
	cursors map[string]bool
	ids     []string
	seen    map[string]bool
}

func newFetcher(c *http.Client, l Limits) *fetcher {
	return &fetcher{client: c, limits: l, cursors: map[string]bool{}, seen: map[string]bool{}}
}

// maxID bounds a model id: no provider names a model this long.
const maxID = 256

// add keeps a model id (empty ones and repeats are skipped). An id that cannot be a
// model name (too long, not printable UTF-8) is an error rather than a row of output.
func (f *fetcher) add(id string) error {
	if id == "" || f.seen[id] {
		return nil
	}
	if len(id) > maxID || !printable(id) {
		return fmt.Errorf("the catalog lists an id that is no model name: %.60q", id)
	}
	if len(f.ids) >= f.limits.MaxModels {
		return fmt.Errorf("the catalog lists more than %d models; stopping", f.limits.MaxModels)
	}
	f.seen[id] = true
	f.ids = append(f.ids, id)
	return nil
}

// next reports whether to fetch the page of cursor: not when it is empty (the last
// page was read), an error when the catalog handed out the same token twice.
func (f *fetcher) next(cursor string) (bool, error) {
	if cursor == "" {
		return false, nil
	}
	if f.cursors[cursor] {
		return false, fmt.Errorf("the catalog repeated its page token %q: a pagination loop; stopping", clip(cursor))
	}
	f.cursors[cursor] = true
	return true, nil
}

// page counts one request against MaxPages.
func (f *fetcher) page() error {
	f.pages++
	if f.pages > f.limits.MaxPages {
		return fmt.Errorf("the catalog has more than %d pages; stopping", f.limits.MaxPages)
	}
	return nil
}

// getJSON GETs u with the headers h and decodes the answer into v. The answer must be
// a 200 with a JSON body of at most MaxBytes; anything else is an error that says what
// came back, without the request's credentials.
func (f *fetcher) getJSON(ctx context.Context, u string, h http.Header, v any) error {
	if err := f.page(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	maps.Copy(req.Header, h)
	req.Header.Set("accept", "application/json")
	where := "GET " + redact(req.URL)
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query included
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := readBounded(resp.Body, f.limits.MaxBytes)
	if err != nil {
		return fmt.Errorf("%s: HTTP %d: %w", where, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", where, resp.StatusCode, snippet(body))
	}
	if isHTML(resp.Header.Get("content-type"), body) {
		return fmt.Errorf("%s: answered HTML, not JSON (a proxy or login page?): %s", where, snippet(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: the answer is not the JSON expected (truncated or malformed, %d bytes): %v", where, len(body), err)
	}
	return nil
}

// readBounded reads at most max bytes; a longer body, or one cut short, is an error.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %v (truncated)", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("the answer is larger than %d bytes; stopping", max)
	}
	return b, nil
}

func isHTML(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '<'
}

// printable reports valid UTF-8 without control characters or spaces.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// snippet is the start of a body for an error message: one line, at most 200 bytes.
func snippet(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "?"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// clip shortens a page token for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// redact is u without its query (page tokens, never credentials: those go in headers).
func redact(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	return c.String()
}

// baseURL is where p's API is: its endpoint, else https:// and its type's host.
func baseURL(p config.Provider) (string, error) {
	if u := p.EndpointURL(); u != nil {
		return u.String(), nil
	}
	if h := p.DefaultHost(); h != "" {
		return "https://" + h, nil
	}
	return "", fmt.Errorf("type %s has no default API host: set the provider's endpoint", p.Type)
}
