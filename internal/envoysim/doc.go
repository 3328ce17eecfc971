// Package envoysim stands in for Envoy: an HTTP/1.1 listener that behaves like Envoy's
// HTTP connection manager, ext_proc filter and router for the features tollgate's
// envoy/envoy.yaml uses. It reads the listener, routes, ext_proc filter config and access
// log format from the bootstrap (go-control-plane protos, via the envoy package), maps
// each cluster to a local upstream URL, and speaks ext_proc to the server over a real
// gRPC stream, one stream per HTTP request. The tests of tollgate's end to end (e2e/) run
// through it, and so will `tollgate dev -embedded`.
//
// It has two layers. Package filter (envoysim/filter) is the ext_proc filter's side of
// the stream: messages, replies, timeouts, mode_override, mutations; the load tool and
// the ext_proc tests use it directly. This package is the HTTP stand-in built on it:
// the connection manager, the filter chain's HTTP state, the router and the access log.
//
//	b, _ := envoy.LoadBootstrap("envoy/envoy.yaml")
//	h, _ := envoysim.New(envoysim.Options{Bootstrap: b, ExtProcAddr: gw.Addr(),
//		Upstreams: map[string]string{"anthropic": fake.URL}})
//	defer h.Close()
//	// point a client at h.URL()
//
// # Envoy behaviours copied (each names its source in a comment where it is implemented;
// the ext_proc stream's are in package filter, see its documentation)
//
//   - Request headers as filters see them: lower-case names, pseudo-headers first,
//     x-request-id generated, x-forwarded-proto set (conn_manager_utility.cc).
//   - ext_proc: one stream per request; processing_mode of the file; exactly one reply of
//     the matching type per message, a mismatched reply fails closed with 500
//     (external_processor.proto); message_timeout per message → 504, a gRPC error → 500,
//     both only when failure_mode_allow is false (ext_proc.cc onMessageTimeout /
//     onGrpcError); a cleanly closed stream lets the request continue (onGrpcClose);
//     override_message_timeout (once per message) within max_message_timeout.
//   - Header mutations read raw_value only; removals then sets; `append` honoured,
//     append_action ignored; mutation_rules defaults (host/:authority/:scheme/:method and
//     x-envoy-* refused, system headers never removed), disallow_is_error → 500
//     (mutation_utils.cc, mutation_rules.cc).
//   - mode_override only on a headers reply and only with allow_mode_override (and
//     allowed_override_modes); request_header_mode ignored (ext_proc.cc onReceiveMessage).
//   - BUFFERED bodies in one message; header mutations in a BUFFERED body reply; the
//     content-length check of BUFFERED + SEND (a mismatch is a local 500); content-length
//     removed in STREAMED mode (processor_state.cc, processing_mode.proto).
//   - CONTINUE_AND_REPLACE: body replaced, content-length removed, no further messages in
//     that direction.
//   - immediate_response as a local reply (status < 200 → 200, details →
//     %RESPONSE_CODE_DETAILS%); ext_proc's own local replies skip ext_proc, the router's
//     (no route, direct_response, upstream failure) go through it.
//   - STREAMED response bodies: each upstream read is one chunk, answered in order and
//     forwarded to the client at once with a flush; the end is the chunk completing
//     content-length or an empty end_of_stream chunk; a failure after the headers went
//     out resets the client's stream.
//   - Dynamic metadata kept only for metadata_options.receiving_namespaces.untyped.
//   - clear_route_cache (route_cache_action DEFAULT: only with a header mutation) and a
//     re-match of the routes on the mutated headers (virtual host by :authority, routes
//     in order, prefix/path/safe_regex, header matchers with joined values).
//   - Router: request_headers_to_add/remove (route, virtual host, route config),
//     host_rewrite_literal or auto_host_rewrite (the cluster endpoint's hostname, a DNS
//     cluster's address) as the upstream Host, response_headers_to_add, route timeout
//     (default 15s; 0 disables) → 504 UT, connect-failure retries, direct_response,
//     suppress_envoy_headers, no redirects followed, content-encoding untouched.
//   - Request body buffer limit (the virtual host's request_body_buffer_limit, else the
//     listener's per_connection_buffer_limit_bytes): a larger BUFFERED request body → 413;
//     the listener's limit for a BUFFERED response body.
//   - Access log (stdout logger): json_format with typed single-operator values (null
//     when unavailable) and text_format; the operators in SupportedOperators.
//
// # Not copied
//
//   - HTTP/2 and TLS on either side; real DNS, load balancing, health checks, circuit
//     breakers, outlier detection, connection pools; the stand-in always speaks HTTP/1.1.
//   - Request bodies are read completely before the filters run (a STREAMED request body
//     is sent as one chunk); response chunks are sent one at a time (Envoy may have
//     several in flight); watermarks and flow control.
//   - BUFFERED_PARTIAL and FULL_DUPLEX_STREAMED body modes, trailers, observability mode,
//     send_body_without_waiting_for_header_response, route_cache_action CLEAR/RETAIN,
//     per-route ExtProcPerRoute overrides, request/response attributes,
//     forwarding_namespaces, http_service, status_on_error, streamed_immediate_response.
//   - stream_idle_timeout, request_headers_timeout, route idle_timeout, retry conditions
//     other than connect-failure, retry back-off, %VAR% substitution in header values.
//   - Access log operators other than SupportedOperators (rendered unavailable; see
//     Harness.UnsupportedOperators), access log filters, loggers other than stdout.
//   - Envoy's header-count and header-size limits, x-forwarded-for handling, Via,
//     x-envoy-* response headers other than what suppress_envoy_headers governs.
//
// Configuration outside this list is refused by New rather than approximated.
package envoysim
