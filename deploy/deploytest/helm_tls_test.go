package deploytest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/config"
)

// envoyTLS is how the chart's Envoy reaches tollgate: the host it dials and the tollgate
// cluster's UpstreamTlsContext (nil without one), decoded through the protos, and the
// ConfigMap that holds envoy.yaml.
type envoyTLS struct {
	host      string
	ctx       *tlsv3.UpstreamTlsContext
	configMap *corev1.ConfigMap
}

func renderedEnvoyTLS(t *testing.T, r *rendered, envoyName string) envoyTLS {
	t.Helper()
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", envoyName)
	b, err := envoy.ParseBootstrap([]byte(cm.Data["envoy.yaml"]))
	if err != nil {
		t.Fatalf("rendered envoy.yaml: %v", err)
	}
	out := envoyTLS{configMap: cm}
	cl := bootstrapCluster(t, b, "tollgate")
	sa := cl.GetLoadAssignment().GetEndpoints()[0].GetLbEndpoints()[0].GetEndpoint().GetAddress().GetSocketAddress()
	out.host = sa.GetAddress()
	if ts := cl.GetTransportSocket(); ts != nil {
		if ts.GetName() != "envoy.transport_sockets.tls" {
			t.Fatalf("tollgate cluster transport socket %q", ts.GetName())
		}
		out.ctx = &tlsv3.UpstreamTlsContext{}
		if err := ts.GetTypedConfig().UnmarshalTo(out.ctx); err != nil {
			t.Fatalf("tollgate cluster transport socket: %v", err)
		}
	}
	return out
}

func bootstrapCluster(t *testing.T, b *bootstrapv3.Bootstrap, name string) *clusterv3.Cluster {
	t.Helper()
	for _, c := range b.GetStaticResources().GetClusters() {
		if c.GetName() == name {
			return c
		}
	}
	t.Fatalf("envoy.yaml has no cluster %q", name)
	return nil
}

// sdsFile decodes one file-based SDS resource file of the Envoy ConfigMap, the file an
// SdsSecretConfig's path_config_source names, and returns its Secret named name.
func sdsFile(t *testing.T, e envoyTLS, envoyDeploy *appsv1.Deployment, sc *tlsv3.SdsSecretConfig) *tlsv3.Secret {
	t.Helper()
	pcs := sc.GetSdsConfig().GetPathConfigSource()
	if pcs == nil {
		t.Fatalf("SDS secret %q: want a path_config_source (file-based SDS), got %v", sc.GetName(), sc.GetSdsConfig())
	}
	dir, file := path.Split(pcs.GetPath())
	if !mountsConfigMap(envoyDeploy, e.configMap.Name, strings.TrimSuffix(dir, "/")) {
		t.Fatalf("SDS file %s: Envoy does not mount ConfigMap %s at %s", pcs.GetPath(), e.configMap.Name, dir)
	}
	if pcs.GetWatchedDirectory().GetPath() != strings.TrimSuffix(dir, "/") {
		t.Errorf("SDS file %s: watched directory %q, want its ConfigMap mount", pcs.GetPath(), pcs.GetWatchedDirectory().GetPath())
	}
	text, ok := e.configMap.Data[file]
	if !ok {
		t.Fatalf("ConfigMap %s has no %s", e.configMap.Name, file)
	}
	js, err := yaml.YAMLToJSONStrict([]byte(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var dr discoveryv3.DiscoveryResponse
	if err := protojson.Unmarshal(js, &dr); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(dr.GetResources()) != 1 {
		t.Fatalf("%s: %d resources, want 1", file, len(dr.GetResources()))
	}
	s := &tlsv3.Secret{}
	if err := dr.GetResources()[0].UnmarshalTo(s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := s.ValidateAll(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if s.GetName() != sc.GetName() {
		t.Errorf("%s: secret %q, the cluster asks for %q", file, s.GetName(), sc.GetName())
	}
	return s
}

// secretMount returns the directory at which a Deployment's container mounts Secret name.
func secretMount(t *testing.T, d *appsv1.Deployment, containerName, secret string) string {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret == nil || v.Secret.SecretName != secret {
			continue
		}
		for _, m := range container(t, d, containerName).VolumeMounts {
			if m.Name == v.Name {
				if !m.ReadOnly {
					t.Errorf("%s mounts Secret %s read-write", d.Name, secret)
				}
				return m.MountPath
			}
		}
	}
	t.Fatalf("%s does not mount Secret %s", d.Name, secret)
	return ""
}

// inSecret checks that file is key of a Secret mounted at dir.
func inSecret(t *testing.T, what, file, dir string, keys ...string) {
	t.Helper()
	d, k := path.Split(file)
	if strings.TrimSuffix(d, "/") != dir || !slices.Contains(keys, k) {
		t.Errorf("%s = %s, want one of %v in the Secret mounted at %s", what, file, keys, dir)
	}
}

// checkTLSWiring checks, for a render with tls.enabled, that tollgate.yaml's server.tls, the
// Secrets the Deployments mount, Envoy's tollgate cluster and its SDS files all agree. It
// returns the two Secret names (server, client) and Envoy's side of the connection.
func checkTLSWiring(t *testing.T, r *rendered, fullname string) (serverSecret, clientSecret string, e envoyTLS) {
	t.Helper()
	serverSecret, clientSecret = fullname+"-tls", fullname+"-client-tls"
	tg := get[*appsv1.Deployment](t, r, "Deployment", fullname)
	ev := get[*appsv1.Deployment](t, r, "Deployment", fullname+"-envoy")

	// tollgate: server.tls with client_ca (mTLS), all three files from its Secret.
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", fullname)
	l, err := config.Parse("tollgate.yaml", []byte(cm.Data["tollgate.yaml"]), func(k string) (string, bool) { return fakeEnvValue(k), true })
	if err != nil {
		t.Fatalf("tollgate.yaml: %v", err)
	}
	st := l.Server.TLS
	if st == nil || st.CertFile == "" || st.KeyFile == "" || st.ClientCA == "" {
		t.Fatalf("tollgate.yaml server.tls = %+v: want cert_file, key_file and client_ca", st)
	}
	dir := secretMount(t, tg, "tollgate", serverSecret)
	inSecret(t, "server.tls.cert_file", st.CertFile, dir, "tls.crt")
	inSecret(t, "server.tls.key_file", st.KeyFile, dir, "tls.key")
	inSecret(t, "server.tls.client_ca", st.ClientCA, dir, "ca.crt")

	// Envoy: the tollgate cluster speaks TLS with ALPN h2, SNI and SAN check on the name it
	// dials, its client certificate and the CA from file-based SDS over its Secret.
	e = renderedEnvoyTLS(t, r, fullname+"-envoy")
	if e.ctx == nil {
		t.Fatal("the tollgate cluster has no TLS transport socket")
	}
	if e.ctx.GetSni() != e.host {
		t.Errorf("SNI %q, Envoy dials %q", e.ctx.GetSni(), e.host)
	}
	common := e.ctx.GetCommonTlsContext()
	if !slices.Equal(common.GetAlpnProtocols(), []string{"h2"}) {
		t.Errorf("ALPN %v, want [h2] (grpc-go refuses TLS without it)", common.GetAlpnProtocols())
	}
	cvc := common.GetCombinedValidationContext()
	sans := cvc.GetDefaultValidationContext().GetMatchTypedSubjectAltNames()
	if len(sans) != 1 || sans[0].GetSanType() != tlsv3.SubjectAltNameMatcher_DNS || sans[0].GetMatcher().GetExact() != e.host {
		t.Errorf("SAN matchers %v, want DNS exactly %s", sans, e.host)
	}
	edir := secretMount(t, ev, "envoy", clientSecret)
	certs := common.GetTlsCertificateSdsSecretConfigs()
	if len(certs) != 1 {
		t.Fatalf("%d client certificate SDS configs, want 1", len(certs))
	}
	tc := sdsFile(t, e, ev, certs[0]).GetTlsCertificate()
	inSecret(t, "client certificate_chain", tc.GetCertificateChain().GetFilename(), edir, "tls.crt")
	inSecret(t, "client private_key", tc.GetPrivateKey().GetFilename(), edir, "tls.key")
	if tc.GetWatchedDirectory().GetPath() != edir {
		t.Errorf("client certificate watched directory %q, want the Secret mount %s", tc.GetWatchedDirectory().GetPath(), edir)
	}
	vc := sdsFile(t, e, ev, cvc.GetValidationContextSdsSecretConfig()).GetValidationContext()
	inSecret(t, "trusted_ca", vc.GetTrustedCa().GetFilename(), edir, "ca.crt")
	if vc.GetWatchedDirectory().GetPath() != edir {
		t.Errorf("CA watched directory %q, want the Secret mount %s", vc.GetWatchedDirectory().GetPath(), edir)
	}
	return serverSecret, clientSecret, e
}

type tlsSecret struct {
	cert *x509.Certificate
	pair tls.Certificate
	ca   *x509.CertPool
	raw  map[string][]byte
}

func loadTLSSecret(t *testing.T, r *rendered, name string) tlsSecret {
	t.Helper()
	s := get[*corev1.Secret](t, r, "Secret", name)
	if s.Type != corev1.SecretTypeTLS {
		t.Errorf("Secret %s type %q, want %s", name, s.Type, corev1.SecretTypeTLS)
	}
	pair, err := tls.X509KeyPair(s.Data["tls.crt"], s.Data["tls.key"])
	if err != nil {
		t.Fatalf("Secret %s: tls.crt/tls.key: %v", name, err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatalf("Secret %s: %v", name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.Data["ca.crt"]) {
		t.Fatalf("Secret %s: no certificate in ca.crt", name)
	}
	return tlsSecret{cert: cert, pair: pair, ca: pool, raw: s.Data}
}

// handshake runs a TLS handshake between a server configured as tollgate configures its gRPC
// listener with server.tls.client_ca (gateway/tls.go) and a client configured as the chart's
// Envoy (SNI, ALPN, CA, client certificate). It returns the client's error, if any.
func handshake(t *testing.T, server, client tlsSecret, sni string, alpn []string, withClientCert bool) (string, error) {
	t.Helper()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	srv := tls.Server(c1, &tls.Config{
		MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{server.pair},
		ClientCAs: server.ca, ClientAuth: tls.RequireAndVerifyClientCert, NextProtos: []string{"h2"},
	})
	ccfg := &tls.Config{ServerName: sni, RootCAs: client.ca, NextProtos: alpn}
	if withClientCert {
		ccfg.Certificates = []tls.Certificate{client.pair}
	}
	cli := tls.Client(c2, ccfg)
	errc := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		if err == nil {
			// TLS 1.3 reports a rejected client certificate only on the first read.
			_, err = srv.Write([]byte{1})
		}
		errc <- err
		c1.Close()
	}()
	_ = c2.SetDeadline(time.Now().Add(10 * time.Second))
	err := cli.Handshake()
	if err == nil {
		_, err = cli.Read(make([]byte, 1))
	}
	<-errc
	return cli.ConnectionState().NegotiatedProtocol, err
}

// TestChartTLSGenerated: by default the chart makes a CA and two certificates; tollgate serves
// its gRPC port with mTLS and Envoy presents its client certificate and checks tollgate's
// name. The certificates complete a handshake configured the way both sides are.
func TestChartTLSGenerated(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			serverName, clientName, e := checkTLSWiring(t, r, tc.fullname)
			server, client := loadTLSSecret(t, r, serverName), loadTLSSecret(t, r, clientName)

			if string(server.raw["ca.crt"]) != string(client.raw["ca.crt"]) {
				t.Error("the two Secrets have different CAs")
			}
			if !slices.Contains(server.cert.DNSNames, e.host) {
				t.Errorf("server certificate names %v lack %s, the name Envoy dials and checks", server.cert.DNSNames, e.host)
			}
			for _, want := range []string{tc.fullname + "-grpc." + tc.ns + ".svc.cluster.local", tc.fullname + "." + tc.ns + ".svc"} {
				if !slices.Contains(server.cert.DNSNames, want) {
					t.Errorf("server certificate names %v lack %s", server.cert.DNSNames, want)
				}
			}
			if _, err := server.cert.Verify(x509.VerifyOptions{DNSName: e.host, Roots: client.ca,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				t.Errorf("server certificate does not verify for %s against the client Secret's CA: %v", e.host, err)
			}
			if _, err := client.cert.Verify(x509.VerifyOptions{Roots: server.ca,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("client certificate does not verify against tollgate's client_ca: %v", err)
			}
			if d := time.Until(server.cert.NotAfter); d < 3640*24*time.Hour || d > 3651*24*time.Hour {
				t.Errorf("server certificate valid until %s, want tls.generated.validityDays (3650) from now", server.cert.NotAfter)
			}

			proto, err := handshake(t, server, client, e.ctx.GetSni(), e.ctx.GetCommonTlsContext().GetAlpnProtocols(), true)
			if err != nil || proto != "h2" {
				t.Errorf("mTLS handshake: protocol %q, err %v", proto, err)
			}
			if _, err := handshake(t, server, client, e.ctx.GetSni(), []string{"h2"}, false); err == nil {
				t.Error("tollgate's TLS accepted a client without a certificate")
			}

			// Both Deployments roll when the CA changes: tollgate reads client_ca at start.
			sum := sha256.Sum256([]byte(base64.StdEncoding.EncodeToString(server.raw["ca.crt"])))
			for _, name := range []string{tc.fullname, tc.fullname + "-envoy"} {
				d := get[*appsv1.Deployment](t, r, "Deployment", name)
				if got := d.Spec.Template.Annotations["checksum/tls"]; got != hex.EncodeToString(sum[:]) {
					t.Errorf("%s checksum/tls = %q, want the hash of the rendered CA", name, got)
				}
			}
			if n := r.kinds()["Certificate"] + r.kinds()["Issuer"]; n != 0 {
				t.Errorf("cert-manager objects rendered without tls.certManager.enabled: %d", n)
			}
		})
	}
}

// fakeCluster answers Helm's `lookup` of Secrets from objs (by name; any namespace). Only
// Namespace and Get are implemented: lookup calls nothing else for a named object.
type fakeCluster struct {
	dynamic.NamespaceableResourceInterface
	objs map[string]*unstructured.Unstructured
}

func (f fakeCluster) GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error) {
	if apiVersion != "v1" || kind != "Secret" {
		return nil, false, fmt.Errorf("fake cluster: no %s %s", apiVersion, kind)
	}
	return f, true, nil
}

func (f fakeCluster) Namespace(string) dynamic.ResourceInterface { return f }

func (f fakeCluster) Get(_ context.Context, name string, _ metav1.GetOptions, _ ...string) (*unstructured.Unstructured, error) {
	if o, ok := f.objs[name]; ok {
		return o.DeepCopy(), nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

func renderUpgrade(t *testing.T, existing ...*corev1.Secret) *rendered {
	t.Helper()
	objs := map[string]*unstructured.Unstructured{}
	for _, s := range existing {
		data := map[string]any{}
		for k, v := range s.Data {
			data[k] = base64.StdEncoding.EncodeToString(v)
		}
		objs[s.Name] = &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Secret", "type": string(s.Type), "data": data,
			"metadata": map[string]any{"name": s.Name, "namespace": "llm"},
		}}
	}
	ch := loadChart(t)
	vals, err := chartutil.ToRenderValues(ch, nil,
		chartutil.ReleaseOptions{Name: "tollgate", Namespace: "llm", Revision: 2, IsUpgrade: true},
		chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.RenderWithClientProvider(ch, vals, fakeCluster{objs: objs})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return decodeFiles(t, files)
}

// TestChartTLSUpgradeKeepsCerts: `helm upgrade` (Helm's lookup sees the cluster) reuses the
// Secrets of the install, so the pods keep their certificates and do not roll; with one
// Secret missing both are made anew from a new CA.
func TestChartTLSUpgradeKeepsCerts(t *testing.T) {
	install := decodeRender(t, "tollgate", "llm", nil)
	server := get[*corev1.Secret](t, install, "Secret", "tollgate-tls")
	client := get[*corev1.Secret](t, install, "Secret", "tollgate-client-tls")
	checksum := func(r *rendered) string {
		return get[*appsv1.Deployment](t, r, "Deployment", "tollgate").Spec.Template.Annotations["checksum/tls"]
	}

	up := renderUpgrade(t, server, client)
	for _, s := range []*corev1.Secret{server, client} {
		got := get[*corev1.Secret](t, up, "Secret", s.Name)
		for _, k := range []string{"tls.crt", "tls.key", "ca.crt"} {
			if string(got.Data[k]) != string(s.Data[k]) {
				t.Errorf("upgrade changed %s %s", s.Name, k)
			}
		}
	}
	if checksum(up) != checksum(install) {
		t.Error("upgrade changed checksum/tls: the pods would roll")
	}

	partial := renderUpgrade(t, server)
	if got := get[*corev1.Secret](t, partial, "Secret", "tollgate-tls"); string(got.Data["ca.crt"]) == string(server.Data["ca.crt"]) {
		t.Error("with the client Secret gone the server Secret was kept; its CA key is unknown, so both must be new")
	}
	loadTLSSecret(t, partial, "tollgate-tls")
	if checksum(partial) == checksum(install) {
		t.Error("a new CA did not change checksum/tls")
	}
}

func certManagerValues(issuerRef map[string]any) map[string]any {
	cm := map[string]any{"enabled": true}
	if issuerRef != nil {
		cm["issuerRef"] = issuerRef
	}
	return map[string]any{"tls": map[string]any{"certManager": cm}}
}

// TestChartTLSCertManager: with tls.certManager.enabled, cert-manager issues the same two
// Secrets (from the release's own CA, or a given issuer) and the chart makes none itself.
func TestChartTLSCertManager(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", certManagerValues(nil))
	serverSecret, clientSecret, e := checkTLSWiring(t, r, "tollgate")
	if n := r.kinds()["Secret"]; n != 0 {
		t.Errorf("the chart renders %d Secrets with cert-manager", n)
	}
	if n := r.kinds()["Certificate"]; n != 3 {
		t.Errorf("%d Certificates, want the CA, server and client", n)
	}
	cert := func(name string) *unstructured.Unstructured {
		c := get[*unstructured.Unstructured](t, r, "Certificate", name)
		if c.GetAPIVersion() != "cert-manager.io/v1" {
			t.Errorf("Certificate %s apiVersion %s", name, c.GetAPIVersion())
		}
		return c
	}
	str := func(u *unstructured.Unstructured, fields ...string) string {
		s, _, _ := unstructured.NestedString(u.Object, fields...)
		return s
	}

	ca := cert("tollgate-ca")
	if isCA, _, _ := unstructured.NestedBool(ca.Object, "spec", "isCA"); !isCA {
		t.Error("Certificate tollgate-ca is not a CA")
	}
	self := get[*unstructured.Unstructured](t, r, "Issuer", str(ca, "spec", "issuerRef", "name"))
	if _, ok, _ := unstructured.NestedMap(self.Object, "spec", "selfSigned"); !ok {
		t.Errorf("the CA is issued by %s, not a self-signed Issuer", self.GetName())
	}
	caIssuer := get[*unstructured.Unstructured](t, r, "Issuer", "tollgate-ca")
	if str(caIssuer, "spec", "ca", "secretName") != str(ca, "spec", "secretName") {
		t.Errorf("Issuer tollgate-ca signs with %q, the CA is in %q", str(caIssuer, "spec", "ca", "secretName"), str(ca, "spec", "secretName"))
	}

	for _, c := range []struct {
		secret, usage string
		dnsName       string
	}{{serverSecret, "server auth", e.host}, {clientSecret, "client auth", ""}} {
		leaf := cert(c.secret)
		if str(leaf, "spec", "secretName") != c.secret {
			t.Errorf("Certificate %s writes Secret %q, the pods mount %q", leaf.GetName(), str(leaf, "spec", "secretName"), c.secret)
		}
		if str(leaf, "spec", "issuerRef", "name") != "tollgate-ca" || str(leaf, "spec", "issuerRef", "kind") != "Issuer" {
			t.Errorf("Certificate %s issuerRef %v, want Issuer tollgate-ca", leaf.GetName(), leaf.Object["spec"].(map[string]any)["issuerRef"])
		}
		usages, _, _ := unstructured.NestedStringSlice(leaf.Object, "spec", "usages")
		if !slices.Contains(usages, c.usage) {
			t.Errorf("Certificate %s usages %v lack %q", leaf.GetName(), usages, c.usage)
		}
		names, _, _ := unstructured.NestedStringSlice(leaf.Object, "spec", "dnsNames")
		if c.dnsName != "" && !slices.Contains(names, c.dnsName) {
			t.Errorf("Certificate %s dnsNames %v lack %s, the name Envoy checks", leaf.GetName(), names, c.dnsName)
		}
	}
	for _, name := range []string{"tollgate", "tollgate-envoy"} {
		if _, ok := get[*appsv1.Deployment](t, r, "Deployment", name).Spec.Template.Annotations["checksum/tls"]; ok {
			t.Errorf("%s has checksum/tls with cert-manager (renewals are reloaded, not rolled)", name)
		}
	}

	// A given issuer: no CA of the chart's own.
	own := decodeRender(t, "tollgate", "llm", certManagerValues(map[string]any{"name": "corp-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}))
	if own.kinds()["Issuer"] != 0 || own.kinds()["Certificate"] != 2 {
		t.Errorf("with issuerRef: kinds %v, want two Certificates and no Issuer", own.kinds())
	}
	for _, name := range []string{serverSecret, clientSecret} {
		leaf := get[*unstructured.Unstructured](t, own, "Certificate", name)
		if str(leaf, "spec", "issuerRef", "name") != "corp-ca" || str(leaf, "spec", "issuerRef", "kind") != "ClusterIssuer" {
			t.Errorf("Certificate %s issuerRef %v, want ClusterIssuer corp-ca", name, leaf.Object["spec"].(map[string]any)["issuerRef"])
		}
	}
}

// TestChartTLSOff: tls.enabled=false is plaintext gRPC: no Secrets, certificates, mounts,
// server.tls or transport socket.
func TestChartTLSOff(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", map[string]any{"tls": map[string]any{"enabled": false}})
	for _, kind := range []string{"Secret", "Certificate", "Issuer"} {
		if n := r.kinds()[kind]; n != 0 {
			t.Errorf("tls.enabled=false renders %d %s", n, kind)
		}
	}
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate")
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data["tollgate.yaml"]), &cfg); err != nil {
		t.Fatal(err)
	}
	if server, _ := cfg["server"].(map[string]any); server["tls"] != nil {
		t.Errorf("tollgate.yaml has server.tls: %v", server["tls"])
	}
	for _, name := range []string{"tollgate", "tollgate-envoy"} {
		d := get[*appsv1.Deployment](t, r, "Deployment", name)
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Secret != nil {
				t.Errorf("%s mounts Secret %s", name, v.Secret.SecretName)
			}
		}
		if _, ok := d.Spec.Template.Annotations["checksum/tls"]; ok {
			t.Errorf("%s has checksum/tls", name)
		}
	}
	e := renderedEnvoyTLS(t, r, "tollgate-envoy")
	if e.ctx != nil {
		t.Error("the tollgate cluster has a TLS transport socket with tls.enabled=false")
	}
	for k := range e.configMap.Data {
		if strings.HasPrefix(k, "envoy-sds-") {
			t.Errorf("Envoy ConfigMap has %s", k)
		}
	}
	if notes := r.files["tollgate/templates/NOTES.txt"]; !strings.Contains(notes, "tls.enabled=false") {
		t.Errorf("NOTES do not warn that mTLS is off:\n%s", notes)
	}
}
