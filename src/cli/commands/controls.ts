/** `meshprobe controls [-o json]`: list the catalogue (id, title, what holds means, probes). */
import { CONTROLS, PROBES } from '../../catalogue/index.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

/** The catalogue as plain data. */
function catalogueDocument(): { controls: object[]; probes: object[] } {
  return {
    controls: CONTROLS.map((c) => ({
      id: c.id,
      requirement: c.requirement,
      title: c.title,
      holdsMeans: c.holdsMeans,
      probes: [...c.probeIds],
    })),
    probes: PROBES.map((p) => ({
      id: p.id,
      title: p.title,
      technique: p.technique,
      vantages: [...p.vantages],
      secureLooksLike: p.secureLooksLike,
    })),
  };
}

/** The catalogue as text. */
function catalogueText(): string {
  const lines: string[] = [];
  for (const c of CONTROLS) {
    lines.push(
      `${c.requirement.padEnd(8)} ${c.title}`,
      `         holds when: ${c.holdsMeans}`,
      `         probes: ${c.probeIds.length > 0 ? c.probeIds.join(', ') : '(none: not evidenced at runtime)'}`,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The `controls` command. */
export const controlsCommand: CliCommand = {
  command: 'controls',
  describe: 'List the PCI DSS v4.0.1 controls meshprobe evaluates and the probes behind each',
  groups: ['output'],
  async run(ctx) {
    ctx.stdout(ctx.options.output === 'json' ? `${JSON.stringify(catalogueDocument(), null, 2)}\n` : catalogueText());
    return EXIT.OK;
  },
};
