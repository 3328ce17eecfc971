package provider

import (
	"net/http"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/api"
)

// headerBetas filters an Anthropic-API client's anthropic-beta header for Bedrock: the
// flags to put in the body's anthropic_beta, and the client's body without the fields of
// the flags dropped (betas.yaml).
func (p *bedrockProvider) headerBetas(r *Request) (betas []string, body []byte, err error) {
	kept, dropped, _ := p.betas.filter(anthropicBetas(r.Headers))
	body, err = p.betas.strip(r.Body, kept, dropped)
	return kept, body, err
}

// bodyBetas filters the anthropic_beta of a Bedrock-native client's body the same way:
// the native client may name flags another region or model does not take. An unchanged
// list leaves the body as sent.
func (p *bedrockProvider) bodyBetas(body []byte) ([]byte, error) {
	list := gjson.GetBytes(body, "anthropic_beta")
	if !list.IsArray() {
		return body, nil
	}
	var flags []string
	for _, f := range list.Array() {
		flags = append(flags, f.String())
	}
	kept, dropped, changed := p.betas.filter(flags)
	if !changed {
		return body, nil
	}
	out, err := p.betas.strip(body, kept, dropped)
	if err != nil {
		return nil, err
	}
	if len(kept) == 0 {
		out, err = sjson.DeleteBytes(out, "anthropic_beta")
	} else {
		out, err = sjson.SetBytes(out, "anthropic_beta", kept)
	}
	if err != nil {
		return nil, api.Errorf(http.StatusBadRequest, "cannot rewrite anthropic_beta for Bedrock: %v", err)
	}
	return out, nil
}
