package devstack

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// Defaults of Options.
const (
	// DefaultListen is Envoy's listener, as docker-compose publishes it.
	DefaultListen = ":10000"
	// DefaultAdmin is tollgate's admin port (/metrics), on loopback only.
	DefaultAdmin = "127.0.0.1:9464"
	// DefaultEnvoyAdmin is Envoy's admin interface, on loopback only.
	DefaultEnvoyAdmin = "127.0.0.1:9901"
)

// Options configure Run.
type Options struct {
	// ConfigPath is the tollgate config; empty runs the quickstart's
	// (deploy/tollgate.yaml, embedded) with the demo key.
	ConfigPath string
	// EnvoyConfig is an Envoy bootstrap (YAML or JSON) to adapt; nil means envoy/envoy.yaml
	// as shipped (embedded).
	EnvoyConfig []byte
	// Listen is where clients connect: Envoy's listener (default DefaultListen).
	Listen string
	// Admin is tollgate's admin address (default DefaultAdmin).
	Admin string
	// EnvoyAdmin is Envoy's admin address (default DefaultEnvoyAdmin); its host must be a
	// loopback IP. Port 0 picks a free one. Unused with Embedded.
	EnvoyAdmin string
	// Embedded serves HTTP with the Envoy stand-in instead of Envoy: no download, for
	// trying things out, not for production.
	Embedded bool

	// Stdout gets the banner and Envoy's access log; Stderr the logs. nil discards.
	Stdout, Stderr io.Writer

	// CacheDir is where func-e keeps downloaded Envoys (default: the user's cache
	// directory, tollgate/func-e).
	CacheDir string
	// EnvoyVersionsURL and HTTPTransport are func-e's versions list and HTTP transport
	// (defaults: func-e's, https://archive.tetratelabs.io/envoy/envoy-versions.json and
	// http.DefaultTransport); tests serve a fake list and archive.
	EnvoyVersionsURL string
	HTTPTransport    http.RoundTripper

	// Ready, when set, is called once everything serves, before the banner.
	Ready func(Info)

	// envoyListen and envoyAdmin are Listen and EnvoyAdmin read by check.
	envoyListen, envoyAdmin hostPort
}

// Info says where a running stack serves.
type Info struct {
	// URL is the base URL clients use: Envoy's listener (or the stand-in's).
	URL string
	// Metrics is tollgate's /metrics URL; Tollgate its ext_proc gRPC address (loopback).
	Metrics, Tollgate string
	// EnvoyAdmin is Envoy's admin URL; empty with Embedded.
	EnvoyAdmin string
	// Envoy is the Envoy binary run, or "embedded"; EnvoyVersion is its version when
	// func-e downloaded it (EnvoyVersion), else empty (an Envoy of your own).
	Envoy, EnvoyVersion string
	// Mock is the mock provider's URL; empty when no provider is served by it.
	Mock string
	// MockProviders and RealProviders are the config's providers by where they go.
	MockProviders, RealProviders []string
	// Config is the tollgate config file; Quickstart is true when it is the built-in one.
	Config     string
	Quickstart bool
	// Key is a client key to try: the demo key with the quickstart config, else empty.
	Key string
	// ClientAuth is true when the config has keys (clients must send one).
	ClientAuth bool
}

func (o *Options) defaults() {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.Admin == "" {
		o.Admin = DefaultAdmin
	}
	if o.EnvoyAdmin == "" {
		o.EnvoyAdmin = DefaultEnvoyAdmin
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
}

// check reports every bad address at once, before anything starts. Envoy binds IP
// addresses only; the stand-in (Embedded) takes any address Go can listen on.
func (o *Options) check() error {
	var errs []error
	if _, _, err := net.SplitHostPort(o.Admin); err != nil {
		errs = append(errs, fmt.Errorf("-admin: %w", err))
	}
	if o.Embedded {
		if _, _, err := net.SplitHostPort(o.Listen); err != nil {
			errs = append(errs, fmt.Errorf("-listen: %w", err))
		}
		return errors.Join(errs...)
	}
	var err error
	switch o.envoyListen, err = parseHostPort(o.Listen); {
	case err != nil:
		errs = append(errs, fmt.Errorf("-listen: %w", err))
	case o.envoyListen.Port == 0:
		errs = append(errs, fmt.Errorf("-listen %s: Envoy needs a port", o.Listen))
	}
	switch o.envoyAdmin, err = parseHostPort(o.EnvoyAdmin); {
	case err != nil:
		errs = append(errs, fmt.Errorf("-envoy-admin: %w", err))
	case !net.ParseIP(o.envoyAdmin.IP).IsLoopback():
		errs = append(errs, fmt.Errorf("-envoy-admin %s: Envoy's admin interface can stop Envoy and read its config; keep it on a loopback address", o.EnvoyAdmin))
	}
	return errors.Join(errs...)
}
