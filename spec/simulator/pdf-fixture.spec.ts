import { invoicePdf } from '../../lib/simulator/pdf-fixture.js';

describe('invoicePdf', () => {
  const pdf = Buffer.from(invoicePdf({ invoiceNumber: 'INV-2025-0042', lines: ['Total: 10 (ten) EUR \\ net'] }));
  const text = pdf.toString('latin1');

  it('is a small PDF 1.4 document ending with %%EOF', () => {
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    expect(pdf.length).toBeGreaterThan(300);
    expect(pdf.length).toBeLessThan(2000);
  });

  it('names the invoice in its text and escapes PDF string delimiters', () => {
    expect(text).toContain('(Invoice INV-2025-0042) Tj');
    expect(text).toContain('(Total: 10 \\(ten\\) EUR \\\\ net) Tj');
  });

  it('has a cross-reference table whose offsets point at each object', () => {
    const startxref = Number(/startxref\n(\d+)\n%%EOF/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
    const table = /xref\n0 (\d+)\n([\s\S]*?)trailer/.exec(text);
    expect(table).not.toBeNull();
    const count = Number(table?.[1]);
    const entries = (table?.[2] ?? '').split('\n').filter((l) => l.length > 0);
    expect(entries).toHaveLength(count);
    entries.slice(1).forEach((entry, i) => {
      const offset = Number(entry.slice(0, 10));
      expect(text.slice(offset, offset + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`);
    });
    expect(text).toContain(`/Size ${count} /Root 1 0 R`);
  });

  it('gives the content stream its exact length', () => {
    const match = /<< \/Length (\d+) >>\nstream\n([\s\S]*?)endstream/.exec(text);
    expect(Buffer.byteLength(match?.[2] ?? '', 'latin1')).toBe(Number(match?.[1]));
  });

  it('replaces characters outside printable ASCII', () => {
    const out = Buffer.from(invoicePdf({ invoiceNumber: 'FAC-é€' })).toString('latin1');
    expect(out).toContain('(Invoice FAC-??) Tj');
  });
});
