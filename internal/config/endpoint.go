package config

import (
	"errors"
	"net/url"
	"strings"
)

// checkEndpoint accepts a provider endpoint: an absolute http or https URL with a host,
// and optionally a path prefix; no credentials, query or fragment (tollgate appends API
// paths to it, and keys belong in api_key).
func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("must not carry credentials (use api_key)")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("must not have a query or fragment")
	}
	return nil
}

// EndpointURL is the provider's endpoint parsed, with any trailing "/" of its path
// removed; nil when the provider sets none (or it does not parse, which validation
// reports).
func (p *Provider) EndpointURL() *url.URL {
	if p.Endpoint == "" {
		return nil
	}
	u, err := url.Parse(p.Endpoint)
	if err != nil || checkEndpoint(p.Endpoint) != nil {
		return nil
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u
}
