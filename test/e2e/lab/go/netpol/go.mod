// Wrapper module: builds kube-network-policies (SIG Network's NetworkPolicy
// engine, nfqueue based) for the lab cluster. kube-router is not served by the
// module proxy here (v2.5.0, v2.4.1, v2.2.1, v2.1.3, v2.0.1, v2.6.0, v1.6.0, v1.5.4 refused).
module meshprobe.lab/netpol

go 1.23.0

require sigs.k8s.io/kube-network-policies v0.7.0
