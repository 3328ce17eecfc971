package envoysim

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	ext_procfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// chunkSize bounds one read of the upstream body; each read is one data frame for the
// filters (Envoy's HTTP/1 codec dispatches what one socket read returned).
const chunkSize = 16 << 10

// respond runs the encoder side: the route's response header edits (the router applies
// them first), ext_proc's response_headers, then the body in the mode in force.
func (x *exchange) respond(code int, hm filter.Headers, body io.Reader, contentLength int64, rt *route) error {
	if rt != nil {
		headerOptions(&hm, rt.addResp)
		headerOptions(&hm, rt.vhost.respAdd)
		for _, k := range rt.removeResp {
			hm.Remove(strings.ToLower(k))
		}
	}
	x.lc.code = code
	eos := contentLength == 0
	var replaced []byte
	haveReplacement := false

	if x.s.Mode().ResponseHeader != ext_procfilterv3.ProcessingMode_SKIP && !x.s.Complete() {
		resp, f := x.s.Call(filter.ResponseHeaders(hm.Proto(), eos))
		if f != nil {
			return x.fail(f)
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			return x.immediate(ir)
		}
		if resp != nil {
			if lr := x.checkMode(); lr != nil {
				return x.local(lr)
			}
			if replaced, haveReplacement, f = x.s.HeadersReply(resp, &hm, nil); f != nil {
				return x.fail(f)
			}
		}
	}
	if s, ok := hm.Get(":status"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			code = n
			x.lc.code = n
		}
	}
	if haveReplacement {
		x.writeHeaders(code, hm)
		return x.write(replaced, false)
	}

	mode := x.s.Mode().ResponseBody
	if eos || x.s.Complete() || mode == ext_procfilterv3.ProcessingMode_NONE {
		x.writeHeaders(code, hm)
		return x.pass(body)
	}
	if filter.RemovesContentLength(mode, x.s.Mode().ResponseHeader) {
		hm.Remove("content-length")
	}
	if mode == ext_procfilterv3.ProcessingMode_BUFFERED {
		return x.buffered(code, hm, body)
	}
	x.writeHeaders(code, hm)
	return x.streamed(body, contentLength)
}

// buffered sends the whole response body in one message and holds the headers until
// the reply, so the reply may still change them (handleBufferedBodyCallback).
func (x *exchange) buffered(code int, hm filter.Headers, body io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(body, x.cfg.bufferLimit+1))
	if err != nil {
		x.lc.flags = append(x.lc.flags, "UPE")
		return x.local(&localReply{code: http.StatusBadGateway, details: "upstream_reset_after_response_started"})
	}
	if int64(len(b)) > x.cfg.bufferLimit {
		return x.local(&localReply{code: http.StatusInternalServerError, details: "response_payload_too_large"})
	}
	resp, f := x.s.Call(filter.ResponseBody(b, true))
	if f != nil {
		return x.fail(f)
	}
	if ir := resp.GetImmediateResponse(); ir != nil {
		return x.immediate(ir)
	}
	if resp != nil {
		if b, f = x.s.BodyReply(resp, &hm, b); f != nil {
			return x.fail(f)
		}
	}
	x.writeHeaders(code, hm)
	return x.write(b, false)
}

// streamed sends each chunk as it arrives and forwards the processed chunk to the
// client at once (flushed), one reply per chunk in order (handleStreamedBodyResponse).
// The end of the body is marked on the chunk read together with it (the one that
// completes content-length, or the last data read with a chunked body's terminator), or
// on an empty chunk when the end came in a read of its own — Envoy's HTTP/1 codec
// (codec_impl.cc onMessageComplete) dispatches what one socket read held. A failure once the headers are out resets the client's stream.
func (x *exchange) streamed(body io.Reader, contentLength int64) error {
	buf := make([]byte, chunkSize)
	var seen int64
	for {
		n, rerr := body.Read(buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			x.lc.flags = append(x.lc.flags, "UPE")
			return errAbort
		}
		seen += int64(n)
		last := errors.Is(rerr, io.EOF) || contentLength >= 0 && seen >= contentLength
		if n > 0 || last {
			// Data and the end of the body read together are one end_of_stream chunk;
			// an end read on its own is an empty end_of_stream chunk.
			if err := x.streamChunk(buf[:n], last); err != nil || last {
				return err
			}
		}
	}
}

// streamChunk sends one chunk, applies the reply and forwards the result.
func (x *exchange) streamChunk(chunk []byte, eos bool) error {
	if !x.s.Complete() {
		resp, f := x.s.Call(filter.ResponseBody(append([]byte(nil), chunk...), eos))
		if f != nil {
			return x.fail(f) // the headers are out: this resets the stream
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			x.lc.details = ir.GetDetails()
			return errAbort
		}
		if bm := filter.Common(resp).GetBodyMutation(); bm != nil {
			chunk = filter.ApplyBodyMutation(bm, chunk)
		}
	}
	if len(chunk) == 0 {
		return nil
	}
	return x.write(chunk, true)
}

// pass copies the body to the client unprocessed, flushing each read.
func (x *exchange) pass(body io.Reader) error {
	buf := make([]byte, chunkSize)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if werr := x.write(buf[:n], true); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			x.lc.flags = append(x.lc.flags, "UPE")
			return errAbort
		}
	}
}

func (x *exchange) write(b []byte, flush bool) error {
	n, err := x.w.Write(b)
	x.lc.bytesSent += int64(n)
	if err != nil {
		x.lc.flags = append(x.lc.flags, "DC")
		return nil // the client went away; nothing to answer
	}
	if flush {
		_ = http.NewResponseController(x.w).Flush()
	}
	return nil
}
