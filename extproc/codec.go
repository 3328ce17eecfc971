package extproc

import (
	"bytes"
	"fmt"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Codec is the gRPC codec of tollgate's server (grpc.ForceServerCodecV2, gateway.go): the
// standard proto codec, except for the messages that carry a large body.
//
// gRPC receives a message as a list of frame-sized buffers. The standard codec joins them
// into one buffer from its pool — allocated, and so zeroed, whenever the pool has none of
// that size, which for multi-megabyte bodies is most of the time — and proto.Unmarshal
// then copies the body out of it into the message. For a 5 MB request body that is 15 MB
// of memory traffic before tollgate reads a byte of it. Here a ProcessingRequest of at
// least largeMessage bytes is joined once into a buffer of its own, without zeroing, and
// when it is what Envoy sends for a body (request_body or response_body, with nothing but
// the body and end_of_stream) the message's body is that buffer's slice: one copy. Any
// other message, or any field this decoder does not expect, goes through proto.Unmarshal
// from the joined buffer, as before.
type Codec struct{}

// largeMessage is where the body decoder takes over: below it, the pool's buffers are
// cheap and the standard path is as fast.
const largeMessage = 64 << 10

var protoCodec = encoding.GetCodecV2("proto")

// Name is the standard codec's: the wire format is the same.
func (Codec) Name() string { return protoCodec.Name() }

// Marshal is the standard codec's.
func (Codec) Marshal(v any) (mem.BufferSlice, error) { return protoCodec.Marshal(v) }

// Unmarshal decodes data into v; see Codec.
func (Codec) Unmarshal(data mem.BufferSlice, v any) error {
	req, ok := v.(*extprocv3.ProcessingRequest)
	if !ok || data.Len() < largeMessage {
		return protoCodec.Unmarshal(data, v)
	}
	parts := make([][]byte, len(data))
	for i, b := range data {
		parts[i] = b.ReadOnlyData()
	}
	return unmarshalJoined(bytes.Join(parts, nil), req) // one copy, into memory not zeroed first
}

// unmarshalJoined decodes raw, a whole message in a buffer the message may keep.
func unmarshalJoined(raw []byte, req *extprocv3.ProcessingRequest) error {
	if decodeBodyMessage(raw, req) {
		return nil
	}
	if err := proto.Unmarshal(raw, req); err != nil {
		return fmt.Errorf("failed to unmarshal, message is %T: %w", req, err)
	}
	return nil
}

// ProcessingRequest and HttpBody field numbers (envoy/service/ext_proc/v3).
const (
	fieldRequestBody       = 4
	fieldResponseBody      = 5
	fieldObservabilityMode = 10
	fieldBody              = 1
	fieldEndOfStream       = 2
)

// decodeBodyMessage decodes raw into req when raw is a request_body or response_body
// message holding only body and end_of_stream (and observability_mode), with the body
// aliasing raw; it reports false, leaving req to proto.Unmarshal, for anything else.
func decodeBodyMessage(raw []byte, req *extprocv3.ProcessingRequest) bool {
	var body *extprocv3.HttpBody
	var which protowire.Number
	observability := false
	for b := raw; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		switch {
		case (num == fieldRequestBody || num == fieldResponseBody) && typ == protowire.BytesType && body == nil:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			if body = decodeHTTPBody(v); body == nil {
				return false
			}
			which, b = num, b[n:]
		case num == fieldObservabilityMode && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false
			}
			observability, b = v != 0, b[n:]
		default:
			return false // a field this decoder leaves to proto.Unmarshal, or a repeated body
		}
	}
	if body == nil {
		return false
	}
	proto.Reset(req)
	req.ObservabilityMode = observability
	if which == fieldRequestBody {
		req.Request = &extprocv3.ProcessingRequest_RequestBody{RequestBody: body}
	} else {
		req.Request = &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: body}
	}
	return true
}

// decodeHTTPBody decodes an HttpBody holding only body and end_of_stream, each at most
// once, the body aliasing b; nil for anything else.
func decodeHTTPBody(b []byte) *extprocv3.HttpBody {
	h := &extprocv3.HttpBody{}
	var seenBody, seenEnd bool
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil
		}
		b = b[n:]
		switch {
		case num == fieldBody && typ == protowire.BytesType && !seenBody:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil
			}
			if len(v) > 0 { // proto.Unmarshal leaves an empty body nil
				h.Body = v[:len(v):len(v)]
			}
			seenBody, b = true, b[n:]
		case num == fieldEndOfStream && typ == protowire.VarintType && !seenEnd:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil
			}
			h.EndOfStream, seenEnd, b = v != 0, true, b[n:]
		default:
			return nil
		}
	}
	return h
}
