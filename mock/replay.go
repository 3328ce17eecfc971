package mock

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tidwall/gjson"
)

// Fixture is one recorded response.
type Fixture struct {
	Status      int // 0 means 200
	ContentType string
	Body        []byte
}

// Route is what one path answers: Stream when the request asks for a stream (the
// body's "stream": true, or AlwaysStream), else JSON.
type Route struct {
	JSON, Stream *Fixture
	// AlwaysStream answers Stream whatever the body says (Bedrock/Vertex stream paths).
	AlwaysStream bool
}

// replay answers r with its route's fixture: a JSON answer in one write with its
// Content-Length, a stream in flushed writes of Chunk bytes, Pace apart, so chunk
// boundaries split events as a network does.
func (p *Provider) replay(w http.ResponseWriter, r *http.Request, route Route, body []byte) {
	f := route.JSON
	streamed := route.AlwaysStream || gjson.GetBytes(body, "stream").Bool()
	if streamed {
		f = route.Stream
	}
	if f == nil {
		p.fail("%s %s: no fixture (stream=%v)", r.Method, r.URL.EscapedPath(), streamed)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", f.ContentType)
	if !streamed {
		w.Header().Set("Content-Length", fmt.Sprint(len(f.Body)))
		w.WriteHeader(status)
		_, _ = w.Write(f.Body)
		return
	}
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for off := 0; off < len(f.Body); off += p.opts.Chunk {
		end := min(off+p.opts.Chunk, len(f.Body))
		_, err := w.Write(f.Body[off:end])
		if err != nil || end == len(f.Body) {
			// The last piece is not flushed: it leaves with the end of the body, as a
			// provider that ends its response right after the last event does.
			break
		}
		if rc.Flush() != nil {
			break
		}
		time.Sleep(p.opts.Pace)
	}
}
