package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func testCA(t *testing.T) *meshCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test mesh CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24 * 30),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &meshCA{cert: cert, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}
}

// A minted identity carries exactly the ServiceAccount's SPIFFE id, verifies against the mesh CA
// for client and server use, and is kept until a day before it expires.
func TestMintedIdentityIsTheServiceAccountsSpiffeID(t *testing.T) {
	ca := testCA(t)
	id := spiffeID("cluster.local", "shop", "checkout")
	data, err := ca.mint(id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data[keyCert])
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.URIs) != 1 || cert.URIs[0].String() != "spiffe://cluster.local/ns/shop/sa/checkout" {
		t.Fatalf("URI SANs %v", cert.URIs)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Fatalf("usage %v: %v", usage, err)
		}
	}
	enc := map[string]string{}
	for k, v := range data {
		enc[k] = base64.StdEncoding.EncodeToString(v)
	}
	if !ca.stillGood(enc, id, time.Now()) {
		t.Fatal("a fresh identity must be kept")
	}
	if ca.stillGood(enc, spiffeID("cluster.local", "shop", "reports"), time.Now()) {
		t.Fatal("an identity of another ServiceAccount must be replaced")
	}
	if ca.stillGood(enc, id, time.Now().Add(certLife-renewLeft/2)) {
		t.Fatal("an identity with less than a day left must be renewed")
	}
}

// The allow annotation becomes one --allow-uri per ServiceAccount; none means any authenticated peer.
func TestAuthorizationAnnotationBecomesAllowURIFlags(t *testing.T) {
	cfg := &config{trustDomain: "cluster.local"}
	got, err := cfg.authzArgs("shop/checkout, shop/reports")
	if err != nil || strings.Join(got, " ") != "--allow-uri=spiffe://cluster.local/ns/shop/sa/checkout --allow-uri=spiffe://cluster.local/ns/shop/sa/reports" {
		t.Fatalf("got %v %v", got, err)
	}
	if got, _ := cfg.authzArgs(""); strings.Join(got, " ") != "--allow-all" {
		t.Fatalf("empty: %v", got)
	}
	for _, bad := range []string{"checkout", "shop/*", "/x"} {
		if _, err := cfg.authzArgs(bad); err == nil {
			t.Fatalf("%q must be refused", bad)
		}
	}
	if _, err := inbound("8443:9080,x"); err == nil {
		t.Fatal("a bad inbound pair must be refused")
	}
}

// The patch mounts the identity into every container and adds one native sidecar per inbound pair.
func TestPatchMountsIdentityEverywhereAndAddsNativeSidecars(t *testing.T) {
	cfg := &config{trustDomain: "cluster.local", sidecarImage: "lab.local/mtls-sidecar:1"}
	var p pod
	raw := `{"metadata":{"annotations":{"mesh.lab.meshprobe.io/inbound":"8443:9080","mesh.lab.meshprobe.io/allow":"shop/checkout"}},
	  "spec":{"containers":[{"name":"app"},{"name":"other","volumeMounts":[{"name":"x","mountPath":"/x"}]}]}}`
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	ops, err := cfg.patch(&p, "lab-mesh-identity-default", "spiffe://cluster.local/ns/pay/sa/default")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := json.Marshal(ops)
	for _, want := range []string{
		`"path":"/spec/volumes"`, `"path":"/spec/containers/0/volumeMounts"`, `"path":"/spec/containers/1/volumeMounts/-"`,
		`"path":"/spec/initContainers"`, `"restartPolicy":"Always"`, `--allow-uri=spiffe://cluster.local/ns/shop/sa/checkout`,
		`--listen=0.0.0.0:8443`, `--target=127.0.0.1:9080`, `"runAsNonRoot":true`, identityDir,
	} {
		if !strings.Contains(string(text), want) {
			t.Fatalf("patch lacks %s: %s", want, text)
		}
	}
}
