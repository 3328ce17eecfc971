package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/tollgate/tollgate/internal/config"
)

// serverCredentials builds TLS (and, with client_ca, mTLS) for the gRPC listener.
// Certificates are re-read from their files when they change, so a rotated
// certificate is picked up without a restart.
func serverCredentials(c *config.TLS, log *slog.Logger) (credentials.TransportCredentials, error) {
	if c == nil || c.CertFile == "" {
		return nil, nil
	}
	kp := &keyPair{cert: c.CertFile, key: c.KeyFile, log: log}
	if _, err := kp.get(nil); err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.get}
	if c.ClientCA != "" {
		pem, err := os.ReadFile(c.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("server.tls.client_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server.tls.client_ca: no certificates in %s", c.ClientCA)
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return credentials.NewTLS(tc), nil
}

// keyPair reloads a certificate when its files' modification times change.
type keyPair struct {
	cert, key string
	log       *slog.Logger
	mu        sync.Mutex
	loaded    *tls.Certificate
	certMod   time.Time
	keyMod    time.Time
}

func (k *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	cs, err1 := os.Stat(k.cert)
	ks, err2 := os.Stat(k.key)
	if err1 == nil && err2 == nil && k.loaded != nil && cs.ModTime().Equal(k.certMod) && ks.ModTime().Equal(k.keyMod) {
		return k.loaded, nil
	}
	c, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		if k.loaded != nil {
			k.log.Error("cannot reload TLS certificate; keeping the current one", "err", err)
			return k.loaded, nil
		}
		return nil, fmt.Errorf("server.tls: %w", err)
	}
	k.loaded = &c
	if err1 == nil && err2 == nil {
		k.certMod, k.keyMod = cs.ModTime(), ks.ModTime()
	}
	return k.loaded, nil
}
