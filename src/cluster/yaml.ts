/**
 * YAML parsing for config and approved-flows files. It borrows the YAML parser that
 * @kubernetes/client-node already ships (loadYaml), so meshprobe needs no extra dependency,
 * and lives here because only src/cluster/ may import client-node.
 */
export async function parseYaml(text: string): Promise<unknown> {
  const { loadYaml } = await import('@kubernetes/client-node');
  return loadYaml(text);
}
