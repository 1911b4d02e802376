/**
 * YAML parsing for config and approved-flows files. It borrows the YAML loader that
 * @kubernetes/client-node already ships, so meshprobe needs no extra dependency, and lives
 * here because only src/cluster/ may import client-node. It is imported through the package's
 * public index (no deep dist/ path); the CLI loads the package at start anyway (kube-client.ts).
 */
export async function parseYaml(text: string): Promise<unknown> {
  if (text.trim() === '') return {};
  const { loadYaml } = await import('@kubernetes/client-node');
  return loadYaml(text);
}

/**
 * Kubernetes objects as YAML text (one document), with the same loader's dumper: block style,
 * no line folding, so a long command line or config value stays on one line.
 */
export async function dumpYaml(object: object): Promise<string> {
  const { dumpYaml: dump } = await import('@kubernetes/client-node');
  return dump(object, { lineWidth: -1, noRefs: true });
}

/** Every document of a multi-document YAML text, as the client's object models. */
export async function parseYamlDocuments(text: string): Promise<unknown[]> {
  const { loadAllYaml } = await import('@kubernetes/client-node');
  return loadAllYaml(text).filter((d: unknown) => d !== null && d !== undefined);
}
