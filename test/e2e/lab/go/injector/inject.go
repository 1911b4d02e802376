package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	labelInject    = "mesh.lab.meshprobe.io/inject"
	annInbound     = "mesh.lab.meshprobe.io/inbound"
	annAllow       = "mesh.lab.meshprobe.io/allow"
	annStatus      = "mesh.lab.meshprobe.io/status"
	annIdentity    = "mesh.lab.meshprobe.io/spiffe-id"
	identityVolume = "lab-mesh-identity"
	identityDir    = "/var/run/secrets/workload-spiffe-credentials"
)

type admissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

type admissionRequest struct {
	UID       string          `json:"uid"`
	Namespace string          `json:"namespace"`
	Operation string          `json:"operation"`
	DryRun    *bool           `json:"dryRun,omitempty"`
	Object    json.RawMessage `json:"object"`
}

type admissionResponse struct {
	UID       string  `json:"uid"`
	Allowed   bool    `json:"allowed"`
	PatchType *string `json:"patchType,omitempty"`
	Patch     []byte  `json:"patch,omitempty"`
	Result    *status `json:"status,omitempty"`
}

type status struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

// pod holds the fields the injector reads.
type pod struct {
	Metadata struct {
		Name         string            `json:"name"`
		GenerateName string            `json:"generateName"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		ServiceAccountName string `json:"serviceAccountName"`
		Volumes            []struct {
			Name string `json:"name"`
		} `json:"volumes"`
		Containers []struct {
			VolumeMounts []json.RawMessage `json:"volumeMounts"`
		} `json:"containers"`
		InitContainers []json.RawMessage `json:"initContainers"`
	} `json:"spec"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

func deny(uid string, format string, args ...any) *admissionResponse {
	msg := fmt.Sprintf("lab mesh injector: "+format, args...)
	log.Print(msg)
	return &admissionResponse{UID: uid, Allowed: false, Result: &status{Message: msg, Code: http.StatusInternalServerError}}
}

// admit injects the identity (and inbound sidecars) into a pod that asks for it.
func (cfg *config) admit(req *admissionRequest) *admissionResponse {
	allow := &admissionResponse{UID: req.UID, Allowed: true}
	var p pod
	if err := json.Unmarshal(req.Object, &p); err != nil {
		return deny(req.UID, "cannot read the pod: %v", err)
	}
	if req.Operation != "CREATE" || p.Metadata.Labels[labelInject] != "enabled" {
		return allow
	}
	for _, v := range p.Spec.Volumes {
		if v.Name == identityVolume {
			return allow // already injected
		}
	}
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	id := spiffeID(cfg.trustDomain, req.Namespace, sa)
	secret := "lab-mesh-identity-" + sa
	if req.DryRun == nil || !*req.DryRun {
		if err := cfg.ensureIdentity(req.Namespace, secret, sa, id); err != nil {
			return deny(req.UID, "identity %s: %v", id, err)
		}
	}
	ops, err := cfg.patch(&p, secret, id)
	if err != nil {
		return deny(req.UID, "%v", err)
	}
	body, _ := json.Marshal(ops)
	pt := "JSONPatch"
	allow.PatchType, allow.Patch = &pt, body
	log.Printf("injected %s/%s%s as %s", req.Namespace, p.Metadata.Name, p.Metadata.GenerateName, id)
	return allow
}

// ensureIdentity makes sure Secret ns/name holds a valid certificate for id (create, or renew).
func (cfg *config) ensureIdentity(ns, name, sa, id string) error {
	path := fmt.Sprintf("/api/v1/namespaces/%s/secrets", ns)
	code, obj, err := cfg.api.do("GET", path+"/"+name, nil)
	if err != nil {
		return err
	}
	rv := ""
	if code == http.StatusOK {
		data := map[string]string{}
		if d, ok := obj["data"].(map[string]any); ok {
			for k, v := range d {
				if s, ok := v.(string); ok {
					data[k] = s
				}
			}
		}
		if cfg.ca.stillGood(data, id, time.Now()) {
			return nil
		}
		if m, ok := obj["metadata"].(map[string]any); ok {
			rv, _ = m["resourceVersion"].(string)
		}
	} else if code != http.StatusNotFound {
		return fmt.Errorf("GET secret %s/%s: HTTP %d", ns, name, code)
	}
	data, err := cfg.ca.mint(id, time.Now())
	if err != nil {
		return err
	}
	method, target := "POST", path
	if rv != "" {
		method, target = "PUT", path+"/"+name
	}
	code, _, err = cfg.api.do(method, target, secretObject(ns, name, sa, id, data, rv))
	if err != nil {
		return err
	}
	if code == http.StatusConflict {
		return nil // another pod of the same ServiceAccount won the race; its certificate is as good
	}
	if code/100 != 2 {
		return fmt.Errorf("%s secret %s/%s: HTTP %d", method, ns, name, code)
	}
	return nil
}

// inbound parses "8080:9080,8443:9443" into listen/target pairs.
func inbound(text string) ([][2]int, error) {
	var out [][2]int
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		l, t, ok := strings.Cut(part, ":")
		lp, e1 := strconv.Atoi(l)
		tp, e2 := strconv.Atoi(t)
		if !ok || e1 != nil || e2 != nil || lp < 1 || lp > 65535 || tp < 1 || tp > 65535 {
			return nil, fmt.Errorf("%s %q: want listen:target port pairs", annInbound, text)
		}
		out = append(out, [2]int{lp, tp})
	}
	return out, nil
}

// authzArgs turns "ns/sa,ns/sa" into ghostunnel --allow-uri flags (none: --allow-all).
func (cfg *config) authzArgs(text string) ([]string, error) {
	var args []string
	for _, e := range strings.Split(text, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		ns, sa, ok := strings.Cut(e, "/")
		if !ok || ns == "" || sa == "" || strings.ContainsAny(sa, "/*") {
			return nil, fmt.Errorf("%s entry %q: want namespace/serviceaccount", annAllow, e)
		}
		args = append(args, "--allow-uri="+spiffeID(cfg.trustDomain, ns, sa))
	}
	if len(args) == 0 {
		return []string{"--allow-all"}, nil
	}
	return args, nil
}
