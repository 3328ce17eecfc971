package provider

import "fmt"

// Catalog renders the model listings that the native clients of one provider type read
// from the gateway (Claude Code's Bedrock mode probes GET /inference-profiles and GET
// /foundation-models), by listing name: the request path without its leading "/".
// models are the exact client model names that the rules route to providers of that
// type, in rule order; with none, the listings are empty. The adapter renders every
// catalog once per config load and answers the listings from the bytes.
type Catalog func(models []string) map[string][]byte

var catalogs = map[string]Catalog{}

// RegisterCatalog adds the listings of a provider type. Called from init.
func RegisterCatalog(typ string, c Catalog) {
	if _, dup := catalogs[typ]; dup {
		panic("provider: catalog registered twice: " + typ)
	}
	catalogs[typ] = c
}

// Catalogs renders every registered catalog: models maps a provider type to its exact
// client models. Two types answering the same listing name is a programming error.
func Catalogs(models map[string][]string) map[string][]byte {
	out := map[string][]byte{}
	owner := map[string]string{}
	for typ, c := range catalogs {
		for name, body := range c(models[typ]) {
			if o, dup := owner[name]; dup {
				panic(fmt.Sprintf("provider: listing %q rendered by types %s and %s", name, o, typ))
			}
			owner[name], out[name] = typ, body
		}
	}
	return out
}
