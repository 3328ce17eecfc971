package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a leaf certificate: for 127.0.0.1 when server, a client certificate
// otherwise.
func (ca *testCA) issue(t *testing.T, serial int64, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: fmt.Sprintf("leaf-%d", serial)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writePair writes c's certificate and key as PEM files, with a modification time of
// mod so that a rewrite is always seen as a change.
func writePair(t *testing.T, c tls.Certificate, certPath, keyPath string, mod time.Time) {
	t.Helper()
	kder, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string][]byte{
		certPath: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}),
		keyPath:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
}

// tlsGateway starts a gateway whose gRPC listener has a certificate of ca, and with
// mtls, requires client certificates of ca. It returns the cert and key paths.
func tlsGateway(t *testing.T, ca *testCA, mtls bool) (g *Gateway, certPath, keyPath string) {
	t.Helper()
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writePair(t, ca.issue(t, 100, true), certPath, keyPath, time.Now().Add(-time.Minute))
	cfg := baseConfig + fmt.Sprintf("  tls:\n    cert_file: %s\n    key_file: %s\n", certPath, keyPath)
	if mtls {
		caPath := filepath.Join(dir, "ca.crt")
		if err := os.WriteFile(caPath, ca.pem, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg += fmt.Sprintf("    client_ca: %s\n", caPath)
	}
	g, _, _, _, _ = start(t, cfg)
	return g, certPath, keyPath
}

// healthCheck calls the gRPC health service at addr with creds.
func healthCheck(addr string, creds credentials.TransportCredentials) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err == nil && resp.Status != healthpb.HealthCheckResponse_SERVING {
		err = fmt.Errorf("health %v", resp.Status)
	}
	return err
}

func clientTLS(ca *testCA, certs ...tls.Certificate) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return &tls.Config{RootCAs: pool, Certificates: certs, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2"}}
}

// TestTLSAndMTLS: with server.tls the gRPC listener speaks only TLS; with client_ca it
// admits only clients holding a certificate of that CA.
func TestTLSAndMTLS(t *testing.T) {
	ca, other := newTestCA(t, "tollgate test CA"), newTestCA(t, "another CA")
	tlsOnly, _, _ := tlsGateway(t, ca, false)
	mtls, _, _ := tlsGateway(t, ca, true)
	tests := []struct {
		name   string
		g      *Gateway
		creds  credentials.TransportCredentials
		wantOK bool
	}{
		{"TLS: a TLS client connects", tlsOnly, credentials.NewTLS(clientTLS(ca)), true},
		{"TLS: a plaintext client fails", tlsOnly, insecure.NewCredentials(), false},
		{"TLS: a client not trusting the CA fails", tlsOnly, credentials.NewTLS(clientTLS(other)), false},
		{"mTLS: a client without a certificate fails", mtls, credentials.NewTLS(clientTLS(ca)), false},
		{"mTLS: a client with a certificate of the CA connects", mtls, credentials.NewTLS(clientTLS(ca, ca.issue(t, 7, false))), true},
		{"mTLS: a client with a certificate of another CA fails", mtls, credentials.NewTLS(clientTLS(ca, other.issue(t, 8, false))), false},
		{"mTLS: a plaintext client fails", mtls, insecure.NewCredentials(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := healthCheck(tc.g.Addr(), tc.creds)
			if tc.wantOK && err != nil {
				t.Errorf("health check failed: %v", err)
			}
			if !tc.wantOK && err == nil {
				t.Error("health check succeeded, want a refused connection")
			}
		})
	}
}

// TestTLSCertificateRotation: a certificate replaced on disk is served to new
// connections without a restart.
func TestTLSCertificateRotation(t *testing.T) {
	ca := newTestCA(t, "tollgate test CA")
	g, certPath, keyPath := tlsGateway(t, ca, false)
	serial := func() int64 {
		t.Helper()
		c, err := tls.Dial("tcp", g.Addr(), clientTLS(ca))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(); got != 100 {
		t.Fatalf("serial %d, want 100", got)
	}
	writePair(t, ca.issue(t, 101, true), certPath, keyPath, time.Now().Add(time.Minute))
	if got := serial(); got != 101 {
		t.Errorf("after rotation: serial %d, want 101", got)
	}
	if err := healthCheck(g.Addr(), credentials.NewTLS(clientTLS(ca))); err != nil {
		t.Errorf("gRPC over the rotated certificate: %v", err)
	}
}

// TestAdminListenerIsSeparate: /metrics and the other admin endpoints are served on
// their own listener, never on the ext_proc port (which Envoy reaches), and the admin
// port does not serve gRPC.
func TestAdminListenerIsSeparate(t *testing.T) {
	g, _, _, _, _ := start(t, baseConfig)
	if g.Addr() == g.AdminAddr() {
		t.Fatalf("gRPC and admin share %s", g.Addr())
	}
	if code, body := get(t, "http://"+g.AdminAddr()+"/metrics"); code != http.StatusOK || !strings.Contains(body, "tollgate_") {
		t.Fatalf("admin /metrics = %d", code)
	}
	hc := &http.Client{Timeout: 3 * time.Second}
	for _, p := range []string{"/metrics", "/healthz", "/-/reload"} {
		resp, err := hc.Get("http://" + g.Addr() + p)
		if err != nil {
			continue // the gRPC server does not speak HTTP/1.1: refused, as it should be
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "tollgate_") {
			t.Errorf("GET %s on the gRPC port = %d %.80q", p, resp.StatusCode, body)
		}
	}
	if err := healthCheck(g.AdminAddr(), insecure.NewCredentials()); err == nil {
		t.Error("the admin port answers gRPC")
	}
	if err := healthCheck(g.Addr(), insecure.NewCredentials()); err != nil {
		t.Errorf("gRPC health on the gRPC port: %v", err)
	}
}
