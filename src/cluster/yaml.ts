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
