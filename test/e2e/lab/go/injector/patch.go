package main

import (
	"fmt"
	"strings"
)

func restrictedSecurityContext() map[string]any {
	return map[string]any{
		"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
		"runAsUser": 65532, "runAsGroup": 65532,
		"capabilities": map[string]any{"drop": []string{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"},
	}
}

// sidecar is one native sidecar (an init container that keeps running) terminating mTLS on listen.
func (cfg *config) sidecar(listen, target int, authz []string) map[string]any {
	args := []string{
		"server", fmt.Sprintf("--listen=0.0.0.0:%d", listen), fmt.Sprintf("--target=127.0.0.1:%d", target),
		"--cert=" + identityDir + "/" + keyCert, "--key=" + identityDir + "/" + keyKey,
		"--cacert=" + identityDir + "/" + keyBundle,
	}
	return map[string]any{
		"name": fmt.Sprintf("mesh-sidecar-%d", listen), "image": cfg.sidecarImage, "imagePullPolicy": "Never",
		"restartPolicy": "Always", "args": append(args, authz...),
		"ports":           []map[string]any{{"name": fmt.Sprintf("tls-mesh-%d", listen), "containerPort": listen}},
		"volumeMounts":    []map[string]any{{"name": identityVolume, "mountPath": identityDir, "readOnly": true}},
		"securityContext": restrictedSecurityContext(),
		"resources":       map[string]any{"limits": map[string]string{"cpu": "100m", "memory": "64Mi"}},
	}
}

// escape a JSON-pointer token (RFC 6901).
func escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

// patch builds the JSON patch: identity volume, its mount in every container, inbound sidecars, status.
func (cfg *config) patch(p *pod, secret, id string) ([]patchOp, error) {
	pairs, err := inbound(p.Metadata.Annotations[annInbound])
	if err != nil {
		return nil, err
	}
	authz, err := cfg.authzArgs(p.Metadata.Annotations[annAllow])
	if err != nil {
		return nil, err
	}
	vol := map[string]any{"name": identityVolume, "secret": map[string]any{"secretName": secret, "defaultMode": 0o444}}
	var ops []patchOp
	if p.Spec.Volumes == nil {
		ops = append(ops, patchOp{"add", "/spec/volumes", []any{vol}})
	} else {
		ops = append(ops, patchOp{"add", "/spec/volumes/-", vol})
	}
	mount := map[string]any{"name": identityVolume, "mountPath": identityDir, "readOnly": true}
	for i, c := range p.Spec.Containers {
		if c.VolumeMounts == nil {
			ops = append(ops, patchOp{"add", fmt.Sprintf("/spec/containers/%d/volumeMounts", i), []any{mount}})
		} else {
			ops = append(ops, patchOp{"add", fmt.Sprintf("/spec/containers/%d/volumeMounts/-", i), mount})
		}
	}
	for j, pair := range pairs {
		sc := cfg.sidecar(pair[0], pair[1], authz)
		if p.Spec.InitContainers == nil && j == 0 {
			ops = append(ops, patchOp{"add", "/spec/initContainers", []any{sc}})
		} else {
			ops = append(ops, patchOp{"add", "/spec/initContainers/-", sc})
		}
	}
	if p.Metadata.Annotations == nil {
		ops = append(ops, patchOp{"add", "/metadata/annotations", map[string]string{}})
	}
	ops = append(ops,
		patchOp{"add", "/metadata/annotations/" + escape(annStatus), "injected"},
		patchOp{"add", "/metadata/annotations/" + escape(annIdentity), id})
	return ops, nil
}
