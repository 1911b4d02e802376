# Pinned versions for the meshprobe lab cluster (sourced by lab.sh / build.sh).
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.5.21
KUBE_ROUTER_VERSION=v2.4.1
GHOSTUNNEL_VERSION=v1.8.4
GHOSTUNNEL_PKG=github.com/ghostunnel/ghostunnel
