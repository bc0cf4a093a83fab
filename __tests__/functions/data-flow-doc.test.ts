import * as fs from 'node:fs';
import { DATA_FLOW_DOC, generatedBlocks, renderDoc } from '../../scripts/print-contract';

describe('docs/data-flow.md', () => {
  it('its generated blocks match the contract, features and saved queries (refresh: scripts/print-contract.ts --write)', () => {
    const doc = fs.readFileSync(DATA_FLOW_DOC, 'utf8');
    expect(renderDoc(doc)).toBe(doc);
  });

  it('names every contract field and every saved query', () => {
    const blocks = generatedBlocks();
    expect(blocks['event-fields']).toContain('`data.location.country`');
    expect(blocks.queries).toContain('Events per hour');
    expect(() => renderDoc('no markers here')).toThrow('has no <!-- generated:event-fields -->');
  });
});
