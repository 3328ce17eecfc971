package provider

import (
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// TranslateError turns Bedrock's error body ({"message": "..."}, sometimes "Message")
// into the error shape of an Anthropic-API client. Bedrock-native clients expect
// Bedrock's own shape and get the body unchanged (nil).
func (p *bedrockProvider) TranslateError(client api.Kind, status int, body []byte) []byte {
	switch client {
	case api.BedrockInvoke, api.BedrockInvokeStream, api.BedrockCountTokens:
		return nil
	}
	msg := gjson.GetBytes(body, "message").String()
	if msg == "" {
		msg = gjson.GetBytes(body, "Message").String()
	}
	if msg == "" {
		msg = fmt.Sprintf("bedrock returned HTTP %d", status)
	}
	e := api.Error{Status: status, Message: msg}
	if status == http.StatusServiceUnavailable {
		e.Type = "overloaded_error" // ServiceUnavailableException: Bedrock is at capacity
	}
	return e.Body(client)
}
