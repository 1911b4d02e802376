package main

// Per-ServiceAccount mesh identities: an X.509 SVID (URI SAN spiffe://<trust-domain>/ns/<ns>/sa/<sa>)
// signed by the lab's mesh CA, kept in a Secret of the pod's namespace that injected pods mount.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"time"
)

// Secret keys, named as GKE's managed workload identities name the files of
// /var/run/secrets/workload-spiffe-credentials.
const (
	keyCert   = "certificates.pem"
	keyKey    = "private_key.pem"
	keyBundle = "ca_certificates.pem"
	certLife  = 7 * 24 * time.Hour
	renewLeft = 24 * time.Hour
)

// meshCA signs identity certificates.
type meshCA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     any
}

func loadCA(certFile, keyFile string, read func(string) ([]byte, error)) (*meshCA, error) {
	cp, err := read(certFile)
	if err != nil {
		return nil, err
	}
	kp, err := read(keyFile)
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode(cp)
	kb, _ := pem.Decode(kp)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("mesh CA files are not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		if k, e2 := x509.ParseECPrivateKey(kb.Bytes); e2 == nil {
			key = k
		} else {
			return nil, err
		}
	}
	return &meshCA{cert: cert, certPEM: cp, key: key}, nil
}

// spiffeID of a ServiceAccount, as Istio spells it.
func spiffeID(trustDomain, ns, sa string) string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", trustDomain, ns, sa)
}

// mint returns the Secret data (PEM) of a fresh identity certificate for id.
func (ca *meshCA) mint(id string, now time.Time) (map[string][]byte, error) {
	u, err := url.Parse(id)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"meshprobe-lab-mesh"}},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(certLife),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{u},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		keyCert:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyKey:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
		keyBundle: ca.certPEM,
	}, nil
}

// stillGood is true when data holds a certificate for id from this CA with a day or more left.
func (ca *meshCA) stillGood(data map[string]string, id string, now time.Time) bool {
	raw, err := base64.StdEncoding.DecodeString(data[keyCert])
	if err != nil {
		return false
	}
	bundle, _ := base64.StdEncoding.DecodeString(data[keyBundle])
	if !bytes.Equal(bundle, ca.certPEM) {
		return false
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return false
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil || len(c.URIs) != 1 || c.URIs[0].String() != id {
		return false
	}
	return c.NotAfter.Sub(now) > renewLeft && c.CheckSignatureFrom(ca.cert) == nil
}

// secretObject is the Secret holding an identity (data already PEM; JSON encodes []byte as base64).
func secretObject(ns, name, sa, id string, data map[string][]byte, resourceVersion string) []byte {
	meta := map[string]any{
		"name": name, "namespace": ns,
		"labels":      map[string]string{"mesh.lab.meshprobe.io/identity-of": sa},
		"annotations": map[string]string{"mesh.lab.meshprobe.io/spiffe-id": id},
	}
	if resourceVersion != "" {
		meta["resourceVersion"] = resourceVersion
	}
	out, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta, "data": data})
	return out
}
