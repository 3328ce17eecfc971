package provider

import (
	"encoding/base64"
	"net/http"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/api"
)

// BedrockAnthropicVersion is the body's anthropic_version for Claude on Bedrock.
const BedrockAnthropicVersion = "bedrock-2023-05-31"

// bedrockInvokeBody turns an Anthropic Messages body into an InvokeModel body: without
// model and stream (the path carries both), with anthropic_version and the beta flags
// as anthropic_beta. Every other byte is kept.
func bedrockInvokeBody(body []byte, betas []string) ([]byte, error) {
	out, err := sjson.DeleteBytes(body, "model")
	if err == nil {
		out, err = sjson.DeleteBytes(out, "stream")
	}
	if err == nil {
		out, err = sjson.SetBytes(out, "anthropic_version", BedrockAnthropicVersion)
	}
	if err == nil && len(betas) > 0 {
		out, err = sjson.SetBytes(out, "anthropic_beta", betas)
	}
	if err != nil {
		return nil, api.Errorf(http.StatusBadRequest, "cannot rewrite the request body for Bedrock: %v", err)
	}
	return out, nil
}

// bedrockCountTokensBody wraps the InvokeModel body of an Anthropic count_tokens request
// in Bedrock's CountTokens input: {"input":{"invokeModel":{"body":"<base64>"}}} (a blob
// member is base64 in AWS's JSON protocols). count_tokens bodies carry no max_tokens,
// which an InvokeModel body requires, so a placeholder is added.
func bedrockCountTokensBody(body []byte, betas []string) ([]byte, error) {
	inner, err := bedrockInvokeBody(body, betas)
	if err != nil {
		return nil, err
	}
	if !gjson.GetBytes(inner, "max_tokens").Exists() {
		if inner, err = sjson.SetBytes(inner, "max_tokens", 1); err != nil {
			return nil, api.Errorf(http.StatusBadRequest, "cannot rewrite the request body for Bedrock: %v", err)
		}
	}
	const head, tail = `{"input":{"invokeModel":{"body":"`, `"}}}`
	out := make([]byte, 0, len(head)+base64.StdEncoding.EncodedLen(len(inner))+len(tail))
	out = append(out, head...)
	out = base64.StdEncoding.AppendEncode(out, inner)
	return append(out, tail...), nil
}

// BedrockCountTokensResponse turns Bedrock's CountTokens answer {"inputTokens":N} into
// Anthropic's {"input_tokens":N} for an Anthropic-API client; ok is false when body is
// not such an answer.
func BedrockCountTokensResponse(body []byte) (out []byte, ok bool) {
	n := gjson.GetBytes(body, "inputTokens")
	if n.Type != gjson.Number {
		return nil, false
	}
	return []byte(`{"input_tokens":` + n.Raw + `}`), true
}
