#!/usr/bin/env bash
# meshprobe lab cluster: a real single-node Kubernetes on this machine, for e2e tests.
#   lab.sh up        build (cached) + start everything, smoke-check, print the admin kubeconfig
#   lab.sh down      stop exactly the lab's processes (by PID), remove its pods, netns,
#                    interfaces, iptables rules, mounts, cgroups; restore sysctls
#   lab.sh status    what is up
#   lab.sh smoke     re-run the smoke check (pod -> ClusterIP, pod -> pod, NetworkPolicy deny)
#   lab.sh kubectl ARGS...      kubectl as the lab admin
#   lab.sh apply FILE|-         kubectl apply -f as the lab admin (e.g. the RBAC `meshprobe rbac` prints)
#   lab.sh tls-secret NS NAME DNSNAME...   Secret NAME (tls.crt, tls.key, ca.crt) from the lab workload CA
#   lab.sh client-cert DIR CN   client cert/key (+ca.crt) from the lab workload CA into DIR (for mTLS probes)
#   lab.sh env       print `export KUBECONFIG=...` for the admin
#   lab.sh restart-apiserver    stop and start the kube-apiserver with its usual flags (chaos benchmark)
#   lab.sh mesh-injector   (re)start only the mesh injector webhook (what `up` does for it)
# See README.md next to this file. Must run as root.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$LAB_DIR/versions.sh"

CACHE="${MESHPROBE_LAB_CACHE:-$HOME/.cache/meshprobe-lab}"
STATE="${MESHPROBE_LAB_STATE:-/var/lib/meshprobe-lab}"
RUN="$STATE/run"; LOGS="$STATE/logs"; PKI="$STATE/pki"; CFG="$STATE/config"
K8S_BIN="$CACHE/$K8S_VERSION/bin"
ETCD_BIN="$CACHE/etcd-$ETCD_VERSION/bin"
NETPOL_BIN="$CACHE/kube-network-policies-$NETPOL_VERSION/bin"
GHOST_BIN="$CACHE/ghostunnel-$GHOSTUNNEL_VERSION/bin"
COREDNS_BIN="$CACHE/coredns-$COREDNS_VERSION/bin"
KUBECTL="$K8S_BIN/kubectl"
ADMIN_KUBECONFIG="$STATE/kubeconfig-admin"
USER_KUBECONFIG="$STATE/kubeconfig-meshprobe-user"

# Addresses: everything inside 198.18.0.0/15 (RFC 2544 benchmarking range), nothing routed off-box.
LAB_RANGE=198.18.0.0/15
POD_CIDR=198.18.0.0/24
POD_GW=198.18.0.1
SVC_CIDR=198.19.0.0/24
SVC_API_IP=198.19.0.1
SVC_DNS_IP=198.19.0.10
NODE_IP=198.19.255.1           # on bridge mplab0 (no ports): the node's only lab address
NODE_NAME=lab-node
NODE_BR=mplab0
CNI_BR=mpcni0
NFQUEUE_ID=100
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  fs.inotify.max_user_instances fs.inotify.max_user_watches kernel.panic kernel.panic_on_oops
  vm.overcommit_memory vm.panic_on_oom kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
PROCS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kube-network-policies mesh-injector)
INJECTOR_ADDR=127.0.0.1:9443   # loopback only: pods cannot reach the webhook, the apiserver (a host process) can

STARTED=0
log() { echo "[lab $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
kc() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

# shellcheck source=images.sh
source "$LAB_DIR/images.sh"

need_root() { [[ $(id -u) == 0 ]] || die "must run as root"; }

# ---------------------------------------------------------------- processes (by PID)
# `producer | grep -q x` under pipefail is racy: grep exits at its first match, a producer still
# writing dies of SIGPIPE (141) and the whole pipeline counts as "no match". Capture the output
# first, then match it: out_grep [grep options] pattern command [args...]
out_grep() {
  local -a opts=()
  while [[ $1 == -* ]]; do opts+=("$1"); shift; done
  local pattern=$1 out
  shift
  out=$("$@") || return 1
  grep -q "${opts[@]}" -- "$pattern" <<<"$out"
}

pid_of() { # name -> pid if the recorded process is alive and is still that program
  local f="$RUN/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(cat "$f")
  [[ -d /proc/$pid ]] || return 1
  out_grep "$2" tr '\0' ' ' < "/proc/$pid/cmdline" || return 1
  echo "$pid"
}
proc_match() { # name -> string that must appear in its cmdline
  case $1 in
    containerd) echo "containerd --config $CFG" ;;
    etcd) echo "$ETCD_BIN/etcd" ;;
    kube-network-policies) echo "kube-network-policies" ;;
    mesh-injector) echo "mesh-injector --listen" ;;
    *) echo "$K8S_BIN/$1" ;;
  esac
}
running() { pid_of "$1" "$(proc_match "$1")" >/dev/null; }

start_proc() { # name cmd...
  local name=$1; shift
  if running "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  log "starting $name (log: $LOGS/$name.log)"
  STARTED=1
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! > "$RUN/$name.pid"
  sleep 0.3
  running "$name" || { tail -20 "$LOGS/$name.log" >&2; die "$name exited at start"; }
}

stop_proc() {
  local name=$1 pid i
  pid=$(pid_of "$name" "$(proc_match "$name")") || { rm -f "$RUN/$name.pid"; return 0; }
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do [[ -d /proc/$pid ]] || break; sleep 0.2; done
  if [[ -d /proc/$pid ]]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.3; fi
  rm -f "$RUN/$name.pid"
}

wait_for() { # description timeout_s cmd...
  local what=$1 t=$2 i; shift 2
  for ((i = 0; i < t * 2; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "timed out after ${t}s waiting for $what"
}

# ---------------------------------------------------------------- host prerequisites
ensure_packages() {
  local missing=0 c
  for c in containerd runc ctr iptables ipset conntrack socat ip gcc openssl ldd nsenter unshare curl findmnt; do
    command -v "$c" >/dev/null || missing=1
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback && -x /usr/lib/cni/portmap ]] || missing=1
  [[ -f /usr/include/stdio.h ]] || missing=1
  (( missing )) || return 0
  log "installing Debian packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    containerd runc containernetworking-plugins iptables ipset conntrack socat iproute2 \
    gcc libc6-dev openssl util-linux mount curl libc-bin >/dev/null
}

ensure_binaries() {
  bash "$LAB_DIR/build.sh" all
  local b
  for b in "$K8S_BIN"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl} \
    "$ETCD_BIN/etcd" "$NETPOL_BIN/kube-network-policies" "$GHOST_BIN/ghostunnel" "$COREDNS_BIN/coredns" \
    "$(bash "$LAB_DIR/build.sh" injector-bin)/mesh-injector"; do
    [[ -x $b ]] || die "missing binary $b"
  done
}

host_setup() {
  local s v
  if [[ ! -f $STATE/host.saved ]]; then
    {
      for s in "${SYSCTLS[@]}"; do echo "sysctl $s $(sysctl -n "$s")"; done
      echo "propagation $(findmnt -no PROPAGATION /)"
    } > "$STATE/host.saved.tmp"
    mv "$STATE/host.saved.tmp" "$STATE/host.saved"
  fi
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 \
    fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=524288
  # the values kubelet would set itself (so down can put the saved ones back)
  sysctl -qw vm.overcommit_memory=1 vm.panic_on_oom=0 kernel.panic=10 kernel.panic_on_oops=1 \
    kernel.keys.root_maxkeys=1000000 kernel.keys.root_maxbytes=25000000
  [[ $(findmnt -no PROPAGATION /) == shared ]] || mount --make-rshared /

  # node address on a port-less bridge (no dummy driver in this kernel)
  ip link show "$NODE_BR" >/dev/null 2>&1 || ip link add "$NODE_BR" type bridge
  # replace, not add: idempotent, so a lost race with an existing address cannot fail `up`
  out_grep "inet $NODE_IP/" ip addr show dev "$NODE_BR" || ip addr replace "$NODE_IP/32" dev "$NODE_BR"
  ip link set "$NODE_BR" up
  # pod bridge, created up front so its gateway address exists before the first pod
  ip link show "$CNI_BR" >/dev/null 2>&1 || ip link add "$CNI_BR" type bridge
  out_grep "inet $POD_GW/" ip addr show dev "$CNI_BR" || ip addr replace "$POD_GW/24" dev "$CNI_BR"
  ip link set "$CNI_BR" up
  # Nothing in the lab range ever leaves via the default route: unknown lab addresses are
  # unreachable, ClusterIPs go to the port-less bridge (DNAT reroutes live ones to pods).
  ip route replace unreachable "$LAB_RANGE" metric 4000
  ip route replace "$SVC_CIDR" dev "$NODE_BR" src "$NODE_IP"
  # egress guard: forwarded lab traffic may only go to the pod bridge
  if [[ $(iptables -S MESHPROBE-LAB-GUARD 2>/dev/null | grep -c -- '-A ') != 1 ]]; then
    iptables -N MESHPROBE-LAB-GUARD 2>/dev/null || true
    iptables -F MESHPROBE-LAB-GUARD
    iptables -A MESHPROBE-LAB-GUARD -s "$LAB_RANGE" ! -o "$CNI_BR" -j REJECT --reject-with icmp-net-unreachable
  fi
  iptables -C FORWARD -j MESHPROBE-LAB-GUARD 2>/dev/null || iptables -I FORWARD 1 -j MESHPROBE-LAB-GUARD
}

# ---------------------------------------------------------------- config files
put() { # write stdin to FILE only when the content changed (kube-proxy exits when its config is touched)
  local tmp; tmp=$(mktemp "$1.XXXXXX")
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

write_configs() {
  mkdir -p "$CFG/net.d"
  put "$CFG/net.d/10-meshprobe-lab.conflist" <<EOF
{ "cniVersion": "1.0.0", "name": "meshprobe-lab", "plugins": [
  { "type": "bridge", "bridge": "$CNI_BR", "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GW" }]],
              "routes": [{ "dst": "$LAB_RANGE" }], "dataDir": "$STATE/cni-ipam" } },
  { "type": "portmap", "capabilities": { "portMappings": true }, "snat": true },
  { "type": "loopback" } ] }
EOF
  # restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, so runc cannot set the negative
  # oom_score_adj kubelet asks for (-998 sandboxes, -997 Guaranteed pods); clamp to containerd's own (0).
  containerd config default | sed \
    -e "s#bin_dir = \"/opt/cni/bin\"#bin_dir = \"/usr/lib/cni\"#" \
    -e "s#conf_dir = \"/etc/cni/net.d\"#conf_dir = \"$CFG/net.d\"#" \
    -e "s#sandbox_image = \"registry.k8s.io/pause:3.6\"#sandbox_image = \"registry.k8s.io/pause:3.10\"#" \
    -e "s#restrict_oom_score_adj = false#restrict_oom_score_adj = true#" \
    | put "$CFG/containerd.toml"
  # for dnsPolicy Default pods: no upstream resolver at all (lookups fail fast on the pod's own loopback)
  printf 'nameserver 127.0.0.1\noptions ndots:1 timeout:1 attempts:1\n' | put "$CFG/resolv.conf"

  put "$CFG/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
failSwapOn: false
resolvConf: $CFG/resolv.conf
clusterDomain: cluster.local
clusterDNS: [$SVC_DNS_IP]
podCIDR: $POD_CIDR
maxPods: 110
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
protectKernelDefaults: false
rotateCertificates: false
EOF
  put "$CFG/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
clientConnection: {kubeconfig: $CFG/kube-proxy.kubeconfig}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s}
iptables: {localhostNodePorts: false, masqueradeAll: false}
EOF
}

# ---------------------------------------------------------------- PKI (openssl, EC P-256)
mkkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }
mkca() { # dir cn
  mkkey "$1/ca.key"
  openssl req -x509 -new -key "$1/ca.key" -subj "/CN=$2" -days 3650 -out "$1/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mkcert() { # cadir out subject eku [san]
  local ca=$1 out=$2 subj=$3 eku=$4 san=${5:-} ext
  mkkey "$out.key"
  ext=$(mktemp)
  { echo "basicConstraints=critical,CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"; [[ -n $san ]] && echo "subjectAltName=$san"; } > "$ext"
  openssl req -new -key "$out.key" -subj "$subj" 2>/dev/null |
    openssl x509 -req -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days 825 -extfile "$ext" -out "$out.crt" 2>/dev/null
  rm -f "$ext"
}
mkkubeconfig() { # file user certbase
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: meshprobe-lab
  cluster:
    server: https://$NODE_IP:6443
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 < "$3.crt")
    client-key-data: $(base64 -w0 < "$3.key")
contexts:
- name: $2@meshprobe-lab
  context: {cluster: meshprobe-lab, user: $2}
current-context: $2@meshprobe-lab
EOF
  chmod 600 "$1"
}

ensure_pki() {
  [[ -f $PKI/done ]] && return 0
  log "generating PKI in $PKI"
  rm -rf "$PKI"; mkdir -p "$PKI/workload-ca"; chmod 700 "$PKI"
  mkca "$PKI" meshprobe-lab-ca
  mkca "$PKI/workload-ca" meshprobe-lab-workload-ca
  mkcert "$PKI" "$PKI/apiserver" /CN=kube-apiserver serverAuth \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:$SVC_API_IP,IP:$NODE_IP,IP:127.0.0.1"
  mkcert "$PKI" "$PKI/kubelet" "/CN=$NODE_NAME" serverAuth "DNS:$NODE_NAME,IP:$NODE_IP"
  mkcert "$PKI" "$PKI/apiserver-kubelet-client" "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  mkcert "$PKI" "$PKI/admin" "/O=system:masters/CN=meshprobe-lab-admin" clientAuth
  mkcert "$PKI" "$PKI/controller-manager" /CN=system:kube-controller-manager clientAuth
  mkcert "$PKI" "$PKI/scheduler" /CN=system:kube-scheduler clientAuth
  mkcert "$PKI" "$PKI/kube-proxy" /CN=system:kube-proxy clientAuth
  mkcert "$PKI" "$PKI/node" "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  mkcert "$PKI" "$PKI/meshprobe-user" /CN=meshprobe-user clientAuth
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  mkkubeconfig "$ADMIN_KUBECONFIG" meshprobe-lab-admin "$PKI/admin"
  mkkubeconfig "$USER_KUBECONFIG" meshprobe-user "$PKI/meshprobe-user"
  mkkubeconfig "$CFG/controller-manager.kubeconfig" system:kube-controller-manager "$PKI/controller-manager"
  mkkubeconfig "$CFG/scheduler.kubeconfig" system:kube-scheduler "$PKI/scheduler"
  mkkubeconfig "$CFG/kube-proxy.kubeconfig" system:kube-proxy "$PKI/kube-proxy"
  mkkubeconfig "$CFG/kubelet.kubeconfig" "system:node:$NODE_NAME" "$PKI/node"
  touch "$PKI/done"
}

# ---------------------------------------------------------------- components
start_containerd() {
  if ! running containerd && [[ -S /run/containerd/containerd.sock ]] && ctr version >/dev/null 2>&1; then
    die "a containerd that is not the lab's is serving /run/containerd/containerd.sock; stop it first"
  fi
  # No registry may ever be contacted: containerd's registry client honours the proxy variables,
  # so every pull (e.g. a pod naming an image that was not imported) goes to a closed local port
  # and fails at once (ErrImagePull), without resolving or connecting to anything off the machine.
  start_proc containerd env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 NO_PROXY= no_proxy= \
    containerd --config "$CFG/containerd.toml"
  wait_for containerd 30 ctr version
}

start_etcd() {
  start_proc etcd "$ETCD_BIN/etcd" --name lab --data-dir "$STATE/etcd" --logger=zap \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster lab=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
    --quota-backend-bytes=2147483648 --snapshot-count=10000
  wait_for etcd 30 curl -sf http://127.0.0.1:2381/health
}

start_apiserver() {
  start_proc kube-apiserver "$K8S_BIN/kube-apiserver" \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 \
    --service-cluster-ip-range="$SVC_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true --profiling=false --v=1
  wait_for "kube-apiserver /readyz" 120 curl -sf --cacert "$PKI/ca.crt" "https://$NODE_IP:6443/readyz"
}

start_controllers() {
  start_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$CFG/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$CFG/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$CFG/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=true \
    --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$SVC_CIDR" --profiling=false --v=1
  start_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$CFG/scheduler.kubeconfig" \
    --authentication-kubeconfig="$CFG/scheduler.kubeconfig" \
    --authorization-kubeconfig="$CFG/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
}

start_node() {
  start_proc kubelet "$K8S_BIN/kubelet" --config="$CFG/kubelet.yaml" --kubeconfig="$CFG/kubelet.kubeconfig" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  start_proc kube-proxy "$K8S_BIN/kube-proxy" --config="$CFG/kube-proxy.yaml" --v=1
}

# kube-network-policies (SIG Network's NetworkPolicy engine) evaluates the first packet of
# every new pod connection in userspace via NFQUEUE. Upstream installs that hook with an
# nftables `queue` rule; this kernel has no nft_queue (CONFIG_NFT_QUEUE unset) but has
# xt_NFQUEUE, so the lab installs the same hook with iptables (rule for rule the upstream
# postrouting chain, minus the DNS-race workaround that kernels >= 6.12 do not need).
# The engine only supports in-cluster config, so it runs in a private mount namespace where
# /run is a tmpfs holding its service-account token and CA.
ensure_netpol_sa() {
  [[ -s $STATE/netpol-sa/token ]] && return 0
  kc apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: {name: kube-network-policies, namespace: kube-system}
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: kube-network-policies-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: kube-network-policies}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: meshprobe-lab:kube-network-policies}
rules:
- apiGroups: [""]
  resources: [pods, namespaces, nodes]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: meshprobe-lab:kube-network-policies}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "meshprobe-lab:kube-network-policies"}
subjects:
- {kind: ServiceAccount, name: kube-network-policies, namespace: kube-system}
EOF
  mkdir -p "$STATE/netpol-sa"; chmod 700 "$STATE/netpol-sa"
  wait_for "kube-network-policies token" 60 bash -c \
    "'$KUBECTL' --kubeconfig '$ADMIN_KUBECONFIG' -n kube-system get secret kube-network-policies-token -o jsonpath='{.data.token}' | grep -q ."
  kc -n kube-system get secret kube-network-policies-token -o jsonpath='{.data.token}' | base64 -d > "$STATE/netpol-sa/token"
  cp "$PKI/ca.crt" "$STATE/netpol-sa/ca.crt"
  echo kube-system > "$STATE/netpol-sa/namespace"
}

install_netpol_hook() {
  # rebuilt only when it differs, so a no-op `up` never opens a window without enforcement
  if [[ $(iptables -t mangle -S MESHPROBE-LAB-NETPOL 2>/dev/null | grep -c -- '-A ') != 4 ]]; then
    iptables -t mangle -N MESHPROBE-LAB-NETPOL 2>/dev/null || true
    iptables -t mangle -F MESHPROBE-LAB-NETPOL
    iptables -t mangle -A MESHPROBE-LAB-NETPOL -m owner --uid-owner 0 -j RETURN
    iptables -t mangle -A MESHPROBE-LAB-NETPOL -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
    iptables -t mangle -A MESHPROBE-LAB-NETPOL -s "$POD_CIDR" -j NFQUEUE --queue-num "$NFQUEUE_ID"
    iptables -t mangle -A MESHPROBE-LAB-NETPOL -d "$POD_CIDR" -j NFQUEUE --queue-num "$NFQUEUE_ID"
  fi
  iptables -t mangle -C POSTROUTING -j MESHPROBE-LAB-NETPOL 2>/dev/null ||
    iptables -t mangle -A POSTROUTING -j MESHPROBE-LAB-NETPOL
}

start_netpol() {
  ensure_netpol_sa
  start_proc kube-network-policies unshare --mount --propagation private -- /bin/sh -c '
    set -e
    mount -t tmpfs -o mode=0755,size=1m tmpfs /run
    d=/run/secrets/kubernetes.io/serviceaccount
    mkdir -p $d && cp "$1"/token "$1"/ca.crt "$1"/namespace $d/
    shift
    exec "$@"' sh "$STATE/netpol-sa" \
    env KUBERNETES_SERVICE_HOST="$NODE_IP" KUBERNETES_SERVICE_PORT=6443 \
    "$NETPOL_BIN/kube-network-policies" --hostname-override="$NODE_NAME" \
    --nfqueue-id="$NFQUEUE_ID" --metrics-bind-address=127.0.0.1:9080 \
    --netfilter-bug-1766-fix=false --v=1
  wait_for "kube-network-policies nfqueue" 30 grep -qE "^ *$NFQUEUE_ID " /proc/net/netfilter/nfnetlink_queue
  install_netpol_hook
}

# Cluster DNS: CoreDNS (minimal build, no forward plugin: names outside cluster.local get
# REFUSED/SERVFAIL, nothing is asked of any outside resolver) as a Deployment in kube-system.
apply_coredns() {
  sed -e "s/@COREDNS_TAG@/${COREDNS_VERSION#v}/" -e "s/@SVC_DNS_IP@/$SVC_DNS_IP/" "$LAB_DIR/manifests/coredns.yaml" |
    kc apply -f - >/dev/null
}

dns_ready() {
  out_grep -x 1 kc -n kube-system get deploy coredns -o jsonpath='{.status.readyReplicas}' 2>/dev/null
}

node_ready() {
  out_grep -x True kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null
}

# ---------------------------------------------------------------- mesh injector
# The lab's stand-in for a mesh sidecar injector (go/injector, README "Mesh injector"): a mutating
# admission webhook on the host's loopback for pods labelled mesh.lab.meshprobe.io/inject=enabled.
# Its own CA signs its serving certificate; it mints per-ServiceAccount SVIDs from the lab workload
# CA (the mesh CA) into Secrets, as the API user meshprobe-lab:mesh-injector (client cert, cluster CA).
ensure_injector_pki() {
  local d="$STATE/mesh-injector"
  # made again when the cluster PKI is newer (a `down`/`up` made a new cluster CA)
  [[ -f $d/done && ! $PKI/done -nt $d/done ]] && return 0
  rm -rf "$d"; mkdir -p "$d"; chmod 700 "$d"
  mkca "$d" meshprobe-lab-mesh-injector-ca
  mkcert "$d" "$d/serving" /CN=meshprobe-lab-mesh-injector serverAuth "IP:${INJECTOR_ADDR%:*}"
  mkcert "$PKI" "$d/api-client" /CN=meshprobe-lab:mesh-injector clientAuth
  touch "$d/done"
}

apply_injector_config() {
  local d="$STATE/mesh-injector"
  kc apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "meshprobe-lab:mesh-injector"}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "meshprobe-lab:mesh-injector"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "meshprobe-lab:mesh-injector"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "meshprobe-lab:mesh-injector"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: meshprobe-lab-mesh-injector}
webhooks:
- name: inject.mesh.lab.meshprobe.io
  admissionReviewVersions: [v1]
  clientConfig:
    url: https://$INJECTOR_ADDR/mutate
    caBundle: $(base64 -w0 < "$d/ca.crt")
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  objectSelector: {matchLabels: {mesh.lab.meshprobe.io/inject: enabled}}
  namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]}]}
  failurePolicy: Fail
  sideEffects: NoneOnDryRun
  timeoutSeconds: 10
  reinvocationPolicy: Never
EOF
}

start_mesh_injector() {
  local d="$STATE/mesh-injector" bin pid
  bash "$LAB_DIR/build.sh" injector
  bin="$(bash "$LAB_DIR/build.sh" injector-bin)/mesh-injector"
  ensure_injector_pki
  # a running injector of another build or with other certificates is replaced
  if pid=$(pid_of mesh-injector "$(proc_match mesh-injector)") &&
    ! out_grep -F "$bin --listen=$INJECTOR_ADDR --tls-cert=$d/serving.crt " tr '\0' ' ' < "/proc/$pid/cmdline"; then
    stop_proc mesh-injector
  elif [[ -n ${pid:-} && $d/done -nt /proc/$pid ]]; then
    stop_proc mesh-injector
  fi
  start_proc mesh-injector "$bin" --listen="$INJECTOR_ADDR" --tls-cert="$d/serving.crt" --tls-key="$d/serving.key" \
    --mesh-ca-cert="$PKI/workload-ca/ca.crt" --mesh-ca-key="$PKI/workload-ca/ca.key" \
    --apiserver="https://$NODE_IP:6443" --api-ca="$PKI/ca.crt" \
    --api-cert="$d/api-client.crt" --api-key="$d/api-client.key" \
    --trust-domain=cluster.local --sidecar-image=lab.local/mtls-sidecar:1
  wait_for "mesh injector /healthz" 30 curl -sf --cacert "$d/ca.crt" "https://$INJECTOR_ADDR/healthz"
  apply_injector_config
}

# ---------------------------------------------------------------- commands
cmd_up() {
  need_root
  local t0; t0=$(date +%s)
  mkdir -p "$RUN" "$LOGS" "$CFG" "$STATE/cni-ipam" "$CACHE"
  chmod 700 "$STATE"
  local p any=0
  for p in "${PROCS[@]}"; do running "$p" && any=1; done
  if (( ! any )) && compgen -G "$LOGS/*.log" >/dev/null; then # fresh start: keep one previous set of logs
    rm -rf "$LOGS/previous"; mkdir -p "$LOGS/previous"; mv "$LOGS"/*.log "$LOGS/previous/"
  fi
  ensure_packages
  ensure_binaries
  write_configs
  host_setup
  start_containerd
  ensure_images
  ensure_pki
  start_etcd
  start_apiserver
  start_controllers
  start_mesh_injector
  start_netpol
  start_node
  wait_for "node $NODE_NAME Ready" 180 node_ready
  apply_coredns
  wait_for "CoreDNS ready" 120 dns_ready
  # kube-proxy inserts its FORWARD jumps at the top; put the egress guard back in front of them
  if [[ $(iptables -S FORWARD | sed -n 2p) != "-A FORWARD -j MESHPROBE-LAB-GUARD" ]]; then
    iptables -I FORWARD 1 -j MESHPROBE-LAB-GUARD
    while [[ $(iptables -S FORWARD | grep -c -- '-j MESHPROBE-LAB-GUARD') -gt 1 ]]; do
      iptables -S FORWARD | grep -n -- '-j MESHPROBE-LAB-GUARD' | tail -1 | cut -d: -f1 |
        { read -r n; iptables -D FORWARD $((n - 1)); }
    done
  fi
  # smoke after anything was (re)started, or when LAB_SMOKE=1; LAB_SMOKE=0 never
  if [[ ${LAB_SMOKE:-} == 1 || ( ${LAB_SMOKE:-} != 0 && $STARTED == 1 ) ]]; then cmd_smoke
  else log "all components were already running: smoke skipped (lab.sh smoke runs it)"; fi
  log "lab up in $(( $(date +%s) - t0 ))s (kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kube-network-policies $NETPOL_VERSION)"
  log "user without bindings: $USER_KUBECONFIG"
  log "admin kubeconfig:"
  echo "$ADMIN_KUBECONFIG"
}

SMOKE_NS=meshprobe-lab-smoke
smoke_pod() { # name image labels args-json
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $SMOKE_NS, labels: {$3}}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  securityContext: {runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: main
    image: $2
    imagePullPolicy: Never
    args: $4
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
    resources: {limits: {cpu: 200m, memory: 128Mi}}
---
EOF
}

smoke_connect() { # host port -> prints "ok ..." or "error CODE after Nms"
  kc -n "$SMOKE_NS" exec client -- /usr/bin/node -e '
    const net = require("net"); const t0 = Date.now();
    const s = net.connect({ host: process.argv[1], port: +process.argv[2] });
    s.setTimeout(4000, () => { console.log("timeout after " + (Date.now() - t0) + "ms"); process.exit(0); });
    s.on("connect", () => s.write("GET / HTTP/1.0\r\n\r\n"));
    let buf = ""; s.on("data", d => buf += d);
    s.on("end", () => { console.log("ok " + (buf.match(/"pod":"[^"]+"/) || [""])[0] + " after " + (Date.now() - t0) + "ms"); process.exit(0); });
    s.on("error", e => { console.log("error " + e.code + " after " + (Date.now() - t0) + "ms"); process.exit(0); });' "$1" "$2"
}

cmd_smoke() {
  need_root
  log "smoke: restricted pods, ClusterIP, pod IP, NetworkPolicy"
  kc delete ns "$SMOKE_NS" --ignore-not-found --wait=true >/dev/null
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $SMOKE_NS
  labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: latest}
EOF
  wait_for "default service account" 60 kc -n "$SMOKE_NS" get serviceaccount default
  {
    cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: server, namespace: $SMOKE_NS}
spec:
  selector: {app: smoke-server}
  ports: [{port: 80, targetPort: 8080}]
---
EOF
    smoke_pod server lab.local/workload:1 "app: smoke-server" '["--http", "8080"]'
    smoke_pod client lab.local/node:24 "app: smoke-client" '["-e", "setInterval(() => {}, 1 << 30)"]'
  } | kc apply -f - >/dev/null
  kc -n "$SMOKE_NS" wait --for=condition=Ready pod/server pod/client --timeout=120s >/dev/null ||
    { kc -n "$SMOKE_NS" describe pods >&2; die "smoke pods not Ready"; }
  local svc pod r0 r1 r2 r3 r4
  svc=$(kc -n "$SMOKE_NS" get svc server -o jsonpath='{.spec.clusterIP}')
  pod=$(kc -n "$SMOKE_NS" get pod server -o jsonpath='{.status.podIP}')
  wait_for "service endpoints" 30 bash -c "'$KUBECTL' --kubeconfig '$ADMIN_KUBECONFIG' -n $SMOKE_NS get endpointslices -o jsonpath='{.items[*].endpoints[*].addresses}' | grep -q ."
  local i
  for i in $(seq 1 15); do # kube-proxy programs the new Service a moment after its EndpointSlice exists
    r1=$(smoke_connect "$svc" 80); [[ $r1 == ok* ]] && break; sleep 1
  done
  log "client -> ClusterIP $svc:80: $r1"
  r2=$(smoke_connect "$pod" 8080); log "client -> pod $pod:8080: $r2"
  r0=$(kc -n "$SMOKE_NS" exec client -- /usr/bin/node -e 'require("dns").lookup("server", (e, a) => console.log(e ? "error " + e.code : a))')
  log "client resolves server (.$SMOKE_NS.svc.cluster.local): $r0"
  [[ $r0 == "$svc" ]] || die "smoke: cluster DNS failed"
  [[ $r1 == ok* && $r2 == ok* ]] || die "smoke: allowed connections failed"
  kc apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-server-ingress, namespace: $SMOKE_NS}
spec:
  podSelector: {matchLabels: {app: smoke-server}}
  policyTypes: [Ingress]
EOF
  sleep 1
  r3=$(smoke_connect "$svc" 80); log "with deny policy: client -> ClusterIP: $r3"
  r4=$(smoke_connect "$pod" 8080); log "with deny policy: client -> pod: $r4"
  [[ $r3 != ok* && $r4 != ok* ]] || die "smoke: NetworkPolicy did not deny"
  echo "$(date -u +%FT%TZ) allowed: $r1 / $r2; denied: $r3 / $r4" >> "$LOGS/smoke.log"
  kc delete ns "$SMOKE_NS" --wait=true --timeout=90s >/dev/null
  log "smoke OK (denied connections: ${r3%% after*})"
}

cmd_status() {
  local p pid rc=0
  for p in "${PROCS[@]}"; do
    if pid=$(pid_of "$p" "$(proc_match "$p")"); then printf '%-24s running  pid %s\n' "$p" "$pid"
    else printf '%-24s stopped\n' "$p"; rc=1; fi
  done
  if [[ -f $ADMIN_KUBECONFIG ]] && running kube-apiserver; then
    if node_ready; then echo "node $NODE_NAME: Ready"; else echo "node $NODE_NAME: NotReady"; rc=1; fi
    if dns_ready; then echo "cluster DNS: ready ($SVC_DNS_IP)"; else echo "cluster DNS: not ready"; rc=1; fi
    echo "admin kubeconfig: $ADMIN_KUBECONFIG"
  else
    echo "node $NODE_NAME: (apiserver down)"
  fi
  return $rc
}

sweep_iptables() { # remove rules/chains named KUBE-*, CNI-*, MESHPROBE-LAB-* (iptables and ip6tables)
  local ipt t line chains c
  for ipt in iptables ip6tables; do
    for t in filter nat mangle raw; do
      "$ipt" -t "$t" -S >/dev/null 2>&1 || continue
      # rules in any chain that jump to one of those chains, or live in built-in chains referencing them
      { "$ipt" -t "$t" -S | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*(-j|--jump) (KUBE-|CNI-|MESHPROBE-LAB-)' || true; } |
        while read -r line; do eval "$ipt -t $t ${line/-A/-D}" 2>/dev/null || true; done
      chains=$("$ipt" -t "$t" -S | awk '/^-N (KUBE-|CNI-|MESHPROBE-LAB-)/ {print $2}' || true)
      for c in $chains; do "$ipt" -t "$t" -F "$c" 2>/dev/null || true; done
      for c in $chains; do "$ipt" -t "$t" -X "$c" 2>/dev/null || true; done
    done
  done
}

cmd_down() {
  need_root
  local ids id pids p m cg
  # kubelet first so it does not restart what we remove
  stop_proc kubelet
  if running containerd; then
    ids=$(ctr -n k8s.io tasks ls -q 2>/dev/null || true)
    for id in $ids; do ctr -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $ids; do ctr -n k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr -n k8s.io containers ls -q 2>/dev/null || true); do
      ctr -n k8s.io containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  for p in mesh-injector kube-network-policies kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do
    stop_proc "$p"
  done
  # shims of the lab's (k8s.io) containers, by PID
  pids=$(pgrep -f 'containerd-shim-runc-v2 -namespace k8s.io' || true)
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  # network namespaces made by the CRI for the lab's pods
  for p in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns delete "$p" 2>/dev/null || true; done
  for p in /run/netns/cni-*; do [[ -e $p ]] || continue; umount "$p" 2>/dev/null || true; rm -f "$p"; done
  # veths left on the pod bridge, then the bridges and routes
  for p in $(ip -o link show master "$CNI_BR" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link delete "$p" 2>/dev/null || true; done
  ip link delete "$CNI_BR" 2>/dev/null || true
  ip link delete "$NODE_BR" 2>/dev/null || true
  ip route delete unreachable "$LAB_RANGE" 2>/dev/null || true
  sweep_iptables
  if [[ -x $K8S_BIN/kube-proxy ]]; then "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; sweep_iptables; fi
  conntrack -D -s "$LAB_RANGE" >/dev/null 2>&1 || true
  conntrack -D -d "$LAB_RANGE" >/dev/null 2>&1 || true
  # mounts under /var/lib/kubelet and the containerd state dirs, deepest first
  for m in $(findmnt -rn -o TARGET | grep -E '^(/var/lib/kubelet|/run/containerd|/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes|/run/netns)' | sort -r || true); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  rmdir /run/netns 2>/dev/null || true
  rm -rf /var/lib/kubelet /var/log/pods /var/log/containers /run/containerd
  # kubelet's cgroups
  for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/unified/kubepods; do
    [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  # sysctls and / propagation as they were before the first `up`
  if [[ -f $STATE/host.saved ]]; then
    while read -r kind k v; do
      case $kind in
        sysctl) sysctl -qw "$k=$v" 2>/dev/null || true ;;
        propagation) [[ $k == private ]] && mount --make-private / 2>/dev/null || true ;;
      esac
    done < "$STATE/host.saved"
  fi
  # cluster state (etcd data, PKI, kubeconfigs, configs); logs are kept in $LOGS
  rm -rf "$RUN" "$PKI" "$CFG" "$STATE/etcd" "$STATE/cni-ipam" "$STATE/netpol-sa" "$STATE/host.saved" "$STATE/mesh-injector" \
    "$ADMIN_KUBECONFIG" "$USER_KUBECONFIG"
  log "lab down (logs kept in $LOGS; images kept in containerd's store, binaries in $CACHE)"
}

cmd_tls_secret() { # ns name dns...
  local ns=$1 name=$2 d san="" dir; shift 2
  for d in "$@"; do san+="${san:+,}DNS:$d"; done
  dir=$(mktemp -d)
  mkcert "$PKI/workload-ca" "$dir/tls" "/CN=${1:-$name}" serverAuth,clientAuth "${san:-DNS:$name}"
  kc -n "$ns" create secret generic "$name" --type=kubernetes.io/tls \
    --from-file=tls.crt="$dir/tls.crt" --from-file=tls.key="$dir/tls.key" --from-file=ca.crt="$PKI/workload-ca/ca.crt" \
    --dry-run=client -o yaml | kc apply -f -
  rm -rf "$dir"
}

cmd_client_cert() { # dir cn
  mkdir -p "$1"
  mkcert "$PKI/workload-ca" "$1/client" "/CN=$2" clientAuth
  cp "$PKI/workload-ca/ca.crt" "$1/ca.crt"
  echo "$1/client.crt $1/client.key $1/ca.crt"
}

# Stop the kube-apiserver (TERM, by PID) and start it again with the same flags as `up` (for the
# chaos benchmark: a real restart, connections reset, then refused until it listens again).
# A second start is tried if the first does not get ready: the lab is shared.
cmd_restart_apiserver() {
  running kube-apiserver || die "kube-apiserver is not running (lab.sh up first)"
  stop_proc kube-apiserver
  ( start_apiserver ) || ( sleep 2; start_apiserver )
  log "kube-apiserver restarted (pid $(cat "$RUN/kube-apiserver.pid"))"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  smoke) cmd_smoke ;;
  kubectl) shift; kc "$@" ;;
  apply) kc apply -f "${2:--}" ;;
  tls-secret) shift; [[ $# -ge 2 ]] || die "usage: lab.sh tls-secret NS NAME [DNSNAME...]"; cmd_tls_secret "$@" ;;
  client-cert) shift; [[ $# -eq 2 ]] || die "usage: lab.sh client-cert DIR CN"; cmd_client_cert "$@" ;;
  env) echo "export KUBECONFIG=$ADMIN_KUBECONFIG" ;;
  restart-apiserver) need_root; cmd_restart_apiserver ;;
  mesh-injector) need_root; mkdir -p "$RUN" "$LOGS"; start_mesh_injector ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
