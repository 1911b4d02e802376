/**
 * What a pod declares (issue 13, pure): the ports a listener may use without being a finding —
 * every container's containerPorts, the targetPorts of Services that select the pod, and the
 * mesh proxy's own ports when the pod is enrolled. A listener the sweep finds outside this list
 * is undeclared (1.2.5, 2.2.4).
 */
import type { KubeObject } from '../cluster/ports.js';
import { MESH_PROXY_PORTS } from '../../probes/protocol.js';
import { enrolmentOf } from './mesh.js';
import type { NamespaceFacts } from './namespaces.js';
import { matchesLabelMap } from './selector.js';
import { arrayField, field, labelsOf, nameOf, namespaceOf, stringField, type ClusterSnapshot } from './snapshot.js';

/** Every port something declares for a pod: containerPorts of all containers, Service targetPorts, mesh proxy ports. */
export function declaredPortsOf(pod: KubeObject, services: readonly KubeObject[]): number[] {
  const out = new Set<number>();
  const named = new Map<string, number>();
  for (const c of arrayField(pod.spec, 'containers'))
    for (const p of arrayField(c, 'ports')) {
      const port = field(p, 'containerPort');
      const name = stringField(p, 'name');
      if (typeof port !== 'number') continue;
      out.add(port);
      if (name !== undefined && !named.has(name)) named.set(name, port);
    }
  for (const svc of services) {
    const selector = field(svc.spec, 'selector');
    if (namespaceOf(svc) !== namespaceOf(pod) || selector === undefined || !matchesLabelMap(selector, labelsOf(pod)))
      continue;
    for (const sp of arrayField(svc.spec, 'ports')) {
      const tp = field(sp, 'targetPort') ?? field(sp, 'port');
      const port = typeof tp === 'number' ? tp : typeof tp === 'string' ? named.get(tp) : undefined;
      if (port !== undefined) out.add(port);
    }
  }
  // The mesh proxy's own listeners are declared by the mesh (they are probed by mesh-bypass-port).
  if (enrolmentOf(pod).enrolment !== 'none') for (const p of MESH_PROXY_PORTS) out.add(p);
  return [...out].sort((a, b) => a - b);
}

/** Declared ports of every CDE pod target, by Pod target key (what the sweep's findings are compared with). */
export function declaredPorts(
  pods: readonly KubeObject[],
  snapshot: ClusterSnapshot,
  facts: ReadonlyMap<string, NamespaceFacts>,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of pods) {
    if (facts.get(namespaceOf(p))?.inScope !== true) continue;
    const services = snapshot.services.filter((s) => namespaceOf(s) === namespaceOf(p));
    out[`Pod/${namespaceOf(p)}/${nameOf(p)}`] = declaredPortsOf(p, services);
  }
  return out;
}
