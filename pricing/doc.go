// Package pricing holds tollgate's price table: a price per token type for each model,
// the lookup that finds a request's price, the cost computation, and the refresher that
// reloads prices at run time without a restart.
//
// # Prices
//
// Prices are USD per million tokens for each disjoint token type of usage.Usage: input,
// output, cache read, cache write (5-minute lifetime) and cache write with a one-hour
// lifetime; reasoning (part of output) has its own price where the source gives one.
// A price the source leaves out falls back, in this order: cache read and cache write to
// input, the one-hour cache write to the 5-minute one, reasoning to output.
//
// A price may have tiers (LiteLLM's "..._above_200k_tokens" fields). With Anthropic and
// Gemini semantics, when the request's total input tokens (input + cache read + cache
// write) exceed a tier's threshold, every token type of that request is billed at the
// tier's price where the tier has one (at the base price where it has none). When several
// thresholds are exceeded the highest applies.
//
// # Layers
//
// A Table is built from three layers, each above the one below: the built-in table
// (builtin.yaml, generated from LiteLLM's price file by internal/gen and embedded in the
// binary), the run-time price file (pricing.url, LiteLLM format; an entry there replaces
// the built-in entry of the same key as a whole), and pricing.overrides from tollgate.yaml
// (field by field: an unset override field keeps the price of the layers below). A Table
// is immutable; Store holds the current one and Refresher swaps in new ones.
//
// # Lookup order
//
// Table.Resolve finds the price of one request from a Query, trying in order and stopping
// at the first hit (Match.Step names the step, Match.Key the table key, Match.Source the
// layer the price came from):
//
//  1. StepPricingModel: the rule's pricing_model with the provider's LiteLLM prefix
//     ("azure/", "vertex_ai/", "gemini/", "bedrock/", "openai/", "anthropic/" for the
//     provider types azure_openai, vertex, gemini, bedrock, openai, anthropic), then as
//     written. So pricing_model "gpt-5.1" on an azure_openai provider finds Azure's
//     "azure/gpt-5.1" when there is one, and a full key such as "azure/eu/gpt-5.1" is
//     found as written.
//  2. StepUpstreamModel: the upstream model with the provider's prefix, then as written
//     (Bedrock ids such as "jp.anthropic.claude-...-v1:0" are keys as written).
//  3. StepNormalized: the normalised form of pricing_model, then of the upstream model,
//     each also without a trailing date. Normalising strips a provider prefix
//     ("vertex_ai/", "bedrock/", "models/", ...), a cross-region prefix ("us.", "eu.",
//     "apac.", "jp.", "au.", "global.", "us-gov."), the "anthropic." vendor prefix and a
//     "-v1:0"-style version suffix, and turns Vertex's "@20250929" into "-20250929"
//     (dropping other "@" suffixes such as "@default"). Table keys are normalised the same
//     way at load time; when several keys share a normal form, a key of the query's
//     provider type wins, then the shortest key. A normalised match of a cross-region id
//     therefore gives the model's base price, which can differ from the region's price.
//  4. StepClientModel: the model the client asked for, with the provider prefix, as
//     written, then normalised (with and without a trailing date).
//
// No hit means no price: Resolve returns ok=false and the caller counts the tokens as
// unpriced (WarnOnce logs one warning per model). Nothing is ever priced at zero by
// default.
package pricing
