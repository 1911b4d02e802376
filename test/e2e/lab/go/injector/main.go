// Command mesh-injector is the lab's stand-in for a service-mesh sidecar injector: a mutating
// admission webhook for pods labelled mesh.lab.meshprobe.io/inject=enabled. It gives each such
// pod the mesh identity of its ServiceAccount (an X.509 SVID with URI SAN
// spiffe://<trust-domain>/ns/<ns>/sa/<sa>, signed by the lab's mesh CA, kept in Secret
// lab-mesh-identity-<sa> and mounted into every container at /var/run/secrets/workload-spiffe-credentials),
// and, for each "listen:target" pair of the annotation mesh.lab.meshprobe.io/inbound, a native
// sidecar (ghostunnel server) that terminates mTLS on the listen port and forwards to the app on
// 127.0.0.1:target. Authorization: annotation mesh.lab.meshprobe.io/allow ("ns/sa,ns/sa") becomes
// one --allow-uri per entry; without it every authenticated peer is allowed (--allow-all), as in a
// mesh with no authorization policy.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

type config struct {
	trustDomain  string
	sidecarImage string
	ca           *meshCA
	api          *apiClient
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9443", "webhook listen address")
	servingCert := flag.String("tls-cert", "", "webhook serving certificate (PEM)")
	servingKey := flag.String("tls-key", "", "webhook serving key (PEM)")
	caCert := flag.String("mesh-ca-cert", "", "mesh CA certificate (PEM)")
	caKey := flag.String("mesh-ca-key", "", "mesh CA key (PEM)")
	apiserver := flag.String("apiserver", "", "Kubernetes API URL")
	apiCA := flag.String("api-ca", "", "CA of the API server")
	apiCert := flag.String("api-cert", "", "client certificate for the API")
	apiKey := flag.String("api-key", "", "client key for the API")
	trustDomain := flag.String("trust-domain", "cluster.local", "SPIFFE trust domain")
	image := flag.String("sidecar-image", "lab.local/mtls-sidecar:1", "ghostunnel image of the injected sidecar")
	flag.Parse()

	ca, err := loadCA(*caCert, *caKey, os.ReadFile)
	if err != nil {
		log.Fatalf("mesh CA: %v", err)
	}
	api, err := newAPIClient(*apiserver, *apiCA, *apiCert, *apiKey, os.ReadFile)
	if err != nil {
		log.Fatalf("API client: %v", err)
	}
	cfg := &config{trustDomain: *trustDomain, sidecarImage: *image, ca: ca, api: api}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/mutate", cfg.serveMutate)
	srv := &http.Server{
		Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}
	log.Printf("mesh-injector listening on %s (trust domain %s)", *listen, *trustDomain)
	log.Fatal(srv.ListenAndServeTLS(*servingCert, *servingKey))
}

// serveMutate answers one AdmissionReview (v1).
func (cfg *config) serveMutate(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var review admissionReview
	if err := json.Unmarshal(raw, &review); err != nil || review.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	resp := cfg.admit(review.Request)
	out, _ := json.Marshal(admissionReview{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview", Response: resp})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}
