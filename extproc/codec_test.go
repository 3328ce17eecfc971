package extproc

import (
	"bytes"
	"math/rand/v2"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// codecCases are messages of every shape Envoy sends, large and small: the body
// decoder's own and those it leaves to proto.Unmarshal.
func codecCases() map[string]*extprocv3.ProcessingRequest {
	big := bytes.Repeat([]byte(`{"model":"claude-sonnet-4-5","messages":[]} `), 3000) // ~130 KB
	md, _ := structpb.NewStruct(map[string]any{"k": "v"})
	return map[string]*extprocv3.ProcessingRequest{
		"large request body":   {Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: big, EndOfStream: true}}},
		"large response chunk": {Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{Body: big}}},
		"observability mode": {ObservabilityMode: true,
			Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{Body: big, EndOfStream: true}}},
		"small body": {Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: []byte(`{}`), EndOfStream: true}}},
		"empty end":  {Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{EndOfStream: true}}},
		"large with metadata": {MetadataContext: &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{"x": md}},
			Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: big, EndOfStream: true}}},
		"large with attributes": {Attributes: map[string]*structpb.Struct{"envoy.filters.http.ext_proc": md},
			Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: big}}},
		"large headers": {Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{
			Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{{Key: "x-big", RawValue: big}}}}}},
	}
}

// split cuts b into a BufferSlice of buffers of random sizes, as gRPC receives frames.
func split(b []byte, r *rand.Rand) mem.BufferSlice {
	var out mem.BufferSlice
	for len(b) > 0 {
		n := min(len(b), 1+r.IntN(20000))
		out = append(out, mem.SliceBuffer(bytes.Clone(b[:n])))
		b = b[n:]
	}
	return out
}

func TestCodecDecodesAsProto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, want := range codecCases() {
		raw, err := proto.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			got := &extprocv3.ProcessingRequest{}
			if err := (Codec{}).Unmarshal(split(raw, r), got); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !proto.Equal(got, want) {
				t.Fatalf("%s: decoded %v", name, got)
			}
		}
		// The standard codec's encoding, so Envoy reads tollgate's replies as before.
		if out, err := (Codec{}).Marshal(want); err != nil || !bytes.Equal(out.Materialize(), raw) {
			t.Fatalf("%s: Marshal differs from proto.Marshal (%v)", name, err)
		}
	}
	if (Codec{}).Name() != "proto" {
		t.Errorf("name %q", Codec{}.Name())
	}
}

// TestCodecBodyIsOneCopy: the decoded body of a large body message is the joined buffer
// itself, not a copy of it.
func TestCodecBodyIsOneCopy(t *testing.T) {
	msg := codecCases()["large request body"]
	raw, _ := proto.Marshal(msg)
	got := &extprocv3.ProcessingRequest{}
	if err := unmarshalJoined(raw, got); err != nil {
		t.Fatal(err)
	}
	body := got.GetRequestBody().GetBody()
	if len(body) == 0 || &body[0] != &raw[len(raw)-len(body)-2] || cap(body) != len(body) {
		t.Fatalf("the body is not the received buffer's slice (len %d cap %d)", len(body), cap(body))
	}
}

// FuzzCodec holds the body decoder to proto.Unmarshal on any bytes: the same message,
// or an error from both.
func FuzzCodec(f *testing.F) {
	for _, m := range codecCases() {
		raw, _ := proto.Marshal(m)
		f.Add(raw[:min(len(raw), 300)])
	}
	dup := protowire.AppendTag(nil, fieldRequestBody, protowire.BytesType)
	dup = protowire.AppendBytes(dup, protowire.AppendBytes(protowire.AppendTag(nil, fieldBody, protowire.BytesType), []byte("a")))
	f.Add(append(bytes.Clone(dup), dup...)) // request_body twice: proto merges them
	f.Add([]byte{0x22, 0x04, 0x0a, 0x00, 0x10, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte) {
		want := &extprocv3.ProcessingRequest{}
		wantErr := proto.Unmarshal(raw, want)
		got := &extprocv3.ProcessingRequest{}
		err := unmarshalJoined(bytes.Clone(raw), got)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("error %v, proto.Unmarshal %v", err, wantErr)
		}
		if err == nil && !proto.Equal(got, want) {
			t.Fatalf("decoded %v, proto.Unmarshal %v", got, want)
		}
	})
}
