package envoysim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// SupportedOperators are the access-log command operators the stand-in renders
// (docs: configuration/observability/access_log/usage, "Command Operators"). Any other
// operator renders as unavailable: null as a whole json_format value, "-" inside text.
var SupportedOperators = []string{
	"START_TIME", "REQ", "REQ_WITHOUT_QUERY", "RESP", "PROTOCOL", "RESPONSE_CODE",
	"RESPONSE_CODE_DETAILS", "RESPONSE_FLAGS", "DURATION", "UPSTREAM_CLUSTER", "UPSTREAM_HOST",
	"ROUTE_NAME", "BYTES_RECEIVED", "BYTES_SENT", "DYNAMIC_METADATA",
}

var operatorRE = regexp.MustCompile(`%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::([0-9]+))?%`)

// accessLogFormat is a compiled SubstitutionFormatString.
type accessLogFormat struct {
	json map[string]any // json_format: nested map of format strings
	text string
	// Unsupported lists the operators of this format the stand-in does not render.
	unsupported []string
}

func compileAccessLog(f *corev3.SubstitutionFormatString) (*accessLogFormat, error) {
	out := &accessLogFormat{}
	switch {
	case f.GetJsonFormat() != nil:
		out.json = f.GetJsonFormat().AsMap()
	case f.GetTextFormatSource() != nil:
		out.text = f.GetTextFormatSource().GetInlineString()
	case f.GetTextFormat() != "":
		out.text = f.GetTextFormat()
	default:
		// Envoy's default format (access_log usage docs, "Default format string").
		out.text = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n"
	}
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, m := range operatorRE.FindAllStringSubmatch(t, -1) {
				if !supported(m[1]) && !seen[m[1]] {
					seen[m[1]] = true
					out.unsupported = append(out.unsupported, m[1])
				}
			}
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	if out.json != nil {
		walk(out.json)
	} else {
		walk(out.text)
	}
	sort.Strings(out.unsupported)
	return out, nil
}

func supported(op string) bool {
	for _, s := range SupportedOperators {
		if s == op {
			return true
		}
	}
	return false
}

// logContext is what one finished request offers to the access log.
type logContext struct {
	start           time.Time
	duration        time.Duration
	req, resp       filter.Headers
	code            int
	details         string
	flags           []string
	upstreamCluster string
	upstreamHost    string
	routeName       string
	bytesReceived   int64
	bytesSent       int64
	metadata        map[string]*structpb.Struct
}

// render formats one line (json_format: one JSON object and a newline).
func (f *accessLogFormat) render(c *logContext) []byte {
	if f.json == nil {
		return []byte(c.substitute(f.text))
	}
	b, _ := json.Marshal(c.renderJSON(f.json))
	return append(b, '\n')
}

// renderJSON keeps a value that is one operator typed (numbers stay numbers, a missing
// value is null), and renders any other string as text — the json_format rules of the
// access log docs ("Format dictionaries").
func (c *logContext) renderJSON(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case map[string]any:
			out[k] = c.renderJSON(t)
		case string:
			if loc := operatorRE.FindStringSubmatchIndex(t); loc != nil && loc[0] == 0 && loc[1] == len(t) {
				sm := operatorRE.FindStringSubmatch(t)
				val, ok := c.eval(sm[1], sm[2], sm[3])
				if !ok {
					out[k] = nil
				} else {
					out[k] = val
				}
				continue
			}
			out[k] = c.substitute(t)
		default:
			out[k] = v
		}
	}
	return out
}

func (c *logContext) substitute(s string) string {
	return operatorRE.ReplaceAllStringFunc(s, func(op string) string {
		sm := operatorRE.FindStringSubmatch(op)
		v, ok := c.eval(sm[1], sm[2], sm[3])
		if !ok {
			return "-"
		}
		switch t := v.(type) {
		case string:
			return t
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64)
		default:
			b, _ := json.Marshal(t)
			return string(b)
		}
	})
}

// eval evaluates one operator; ok is false when the value is unavailable.
func (c *logContext) eval(op, arg, maxLen string) (any, bool) {
	trunc := func(s string) string {
		if n, err := strconv.Atoi(maxLen); err == nil && n < len(s) {
			return s[:n]
		}
		return s
	}
	str := func(s string) (any, bool) {
		if s == "" {
			return nil, false
		}
		return trunc(s), true
	}
	switch op {
	case "START_TIME":
		return c.start.UTC().Format("2006-01-02T15:04:05.000Z"), true
	case "REQ", "RESP", "REQ_WITHOUT_QUERY":
		h := c.req
		if op == "RESP" {
			h = c.resp
		}
		main, alt, _ := strings.Cut(strings.ToLower(arg), "?")
		v, ok := h.Get(main)
		if !ok && alt != "" {
			v, ok = h.Get(alt)
		}
		if !ok {
			return nil, false
		}
		if op == "REQ_WITHOUT_QUERY" {
			v, _, _ = strings.Cut(v, "?")
		}
		return trunc(v), true
	case "PROTOCOL":
		return "HTTP/1.1", true
	case "RESPONSE_CODE":
		return float64(c.code), true
	case "RESPONSE_CODE_DETAILS":
		return str(c.details)
	case "RESPONSE_FLAGS":
		if len(c.flags) == 0 {
			return "-", true
		}
		return strings.Join(c.flags, ","), true
	case "DURATION":
		return float64(c.duration.Milliseconds()), true
	case "UPSTREAM_CLUSTER":
		return str(c.upstreamCluster)
	case "UPSTREAM_HOST":
		return str(c.upstreamHost)
	case "ROUTE_NAME":
		return str(c.routeName)
	case "BYTES_RECEIVED":
		return float64(c.bytesReceived), true
	case "BYTES_SENT":
		return float64(c.bytesSent), true
	case "DYNAMIC_METADATA":
		return c.dynamicMetadata(arg)
	}
	return nil, false
}

// dynamicMetadata reads NAMESPACE:KEY[:KEY...]; a struct or list renders as JSON.
func (c *logContext) dynamicMetadata(arg string) (any, bool) {
	parts := strings.Split(arg, ":")
	ns, ok := c.metadata[parts[0]]
	if !ok {
		return nil, false
	}
	v := structpb.NewStructValue(ns)
	for _, k := range parts[1:] {
		s := v.GetStructValue()
		if s == nil {
			return nil, false
		}
		if v, ok = s.GetFields()[k]; !ok {
			return nil, false
		}
	}
	if _, null := v.GetKind().(*structpb.Value_NullValue); null {
		return nil, false
	}
	return v.AsInterface(), true
}

// String is for diagnostics.
func (f *accessLogFormat) String() string {
	return fmt.Sprintf("access log format (unsupported operators: %v)", f.unsupported)
}
