package provider

import "strings"

// filterBetas keeps the anthropic-beta flags Vertex AI accepts (betas.yaml) on the
// Anthropic requests: the header is rewritten with the kept flags (removed when none is
// left) and the body loses the fields of the dropped ones. A request whose flags all pass
// keeps its header untouched.
func (p *vertexProvider) filterBetas(r *Request, m *Mutation) error {
	if !r.API.AnthropicShaped() {
		return nil // Gemini through the OpenAI-compatible endpoint: no Anthropic flags
	}
	kept, dropped, changed := p.betas.filter(anthropicBetas(r.Headers))
	if !changed {
		return nil
	}
	body, err := p.betas.strip(m.Body, kept, dropped)
	if err != nil {
		return err
	}
	m.Body = body
	if len(kept) == 0 {
		m.RemoveHeaders = append(m.RemoveHeaders, "anthropic-beta")
	} else {
		m.Set("anthropic-beta", strings.Join(kept, ","))
	}
	return nil
}
