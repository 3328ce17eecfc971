package devstack

import (
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// caBundles are where systems keep their CA bundle, as crypto/x509 looks for them
// (root_linux.go, and /etc/ssl/cert.pem on macOS and the BSDs). envoy.yaml names the
// first, Debian's, which the Envoy image has; Envoy refuses a config whose trusted_ca
// file is missing, even for a cluster no request uses.
var caBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo, Arch
	"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL 6
	"/etc/ssl/ca-bundle.pem",                            // openSUSE
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
	"/etc/ssl/cert.pem",                                 // macOS, Alpine, the BSDs
}

// localTrust points a TLS cluster's trusted_ca file that does not exist on this machine
// at this system's CA bundle (when one is found; otherwise Envoy's own error names the
// file).
func localTrust(c *clusterv3.Cluster) error {
	ts := c.GetTransportSocket()
	if ts.GetTypedConfig() == nil {
		return nil
	}
	msg, err := ts.GetTypedConfig().UnmarshalNew()
	if err != nil {
		return err
	}
	tls, ok := msg.(*tlsv3.UpstreamTlsContext)
	if !ok {
		return nil
	}
	vc := tls.GetCommonTlsContext().GetValidationContext()
	file := vc.GetTrustedCa().GetFilename()
	if file == "" || fileExists(file) {
		return nil
	}
	for _, b := range caBundles {
		if fileExists(b) {
			vc.TrustedCa = &corev3.DataSource{Specifier: &corev3.DataSource_Filename{Filename: b}}
			packed, err := anypb.New(tls)
			if err != nil {
				return err
			}
			ts.ConfigType = &corev3.TransportSocket_TypedConfig{TypedConfig: packed}
			return nil
		}
	}
	return nil
}
