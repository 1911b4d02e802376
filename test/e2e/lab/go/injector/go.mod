// The lab's mesh injector: a mutating admission webhook (standard library only).
module meshprobe.lab/mesh-injector

go 1.23.0
