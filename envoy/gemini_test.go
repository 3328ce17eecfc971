package envoy_test

import (
	"testing"

	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
)

// TestContractPathAsSent: tollgate refuses a Gemini model that holds %2F or ".." (the
// model is in the path), so Envoy must hand it the path as the client sent it: no path
// normalisation, no slash merging, escaped slashes kept.
func TestContractPathAsSent(t *testing.T) {
	hcm := llm(t, loadShipped(t)).HCM
	if hcm.GetNormalizePath().GetValue() || hcm.GetMergeSlashes() {
		t.Error("the llm listener normalises paths or merges slashes")
	}
	switch a := hcm.GetPathWithEscapedSlashesAction(); a {
	case hcmv3.HttpConnectionManager_IMPLEMENTATION_SPECIFIC_DEFAULT, hcmv3.HttpConnectionManager_KEEP_UNCHANGED:
	default:
		t.Errorf("path_with_escaped_slashes_action %v: %%2F would not reach tollgate as sent", a)
	}
}
