# Pinned versions for the meshprobe lab cluster (sourced by lab.sh / build.sh).
K8S_VERSION=v1.34.4            # last minor whose kubelet only warns on cgroup v1
ETCD_VERSION=v3.5.21           # >= 3.5.13 for RequestWatchProgress
NETPOL_VERSION=v0.7.0          # sigs.k8s.io/kube-network-policies
GHOSTUNNEL_VERSION=v1.8.4
GHOSTUNNEL_PKG=github.com/ghostunnel/ghostunnel
COREDNS_VERSION=v1.12.1         # minimal plugin build (go/coredns), no forwarding
