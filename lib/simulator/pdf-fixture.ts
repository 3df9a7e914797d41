/**
 * What goes on the one page of an {@link invoicePdf}.
 *
 * @example
 * ```ts
 * invoicePdf({ invoiceNumber: 'INV-7', lines: ['Total: 42.00 EUR'] })
 * ```
 */
export interface InvoicePdfOptions {
  /** The invoice number printed in the title line. */
  readonly invoiceNumber: string;
  /** Further lines of text (ASCII; other characters are replaced by `?`). @default [] */
  readonly lines?: readonly string[];
}

/** Escapes a PDF literal string and keeps it to printable ASCII. */
function pdfText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);
}

/**
 * Builds a small but valid PDF 1.4 document (one A4 page, Helvetica, a title line naming the
 * invoice, then the given lines) with a correct cross-reference table. A few hundred bytes; what
 * the simulator puts, base64-encoded, in `result.content_b64` of a successful task.
 *
 * @example
 * ```ts
 * const pdf = invoicePdf({ invoiceNumber: 'INV-0001' })
 * Buffer.from(pdf).subarray(0, 8).toString() // '%PDF-1.4'
 * ```
 */
export function invoicePdf(options: InvoicePdfOptions): Uint8Array {
  const lines = [`Invoice ${options.invoiceNumber}`, ...(options.lines ?? [])];
  const text = lines
    .map((line, i) => (i === 0 ? `/F1 18 Tf (${pdfText(line)}) Tj` : `0 -${i === 1 ? 28 : 16} Td /F1 11 Tf (${pdfText(line)}) Tj`))
    .join('\n');
  const stream = `BT\n72 770 Td\n${text}\nET\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}endstream`,
    `<< /Title (Invoice ${pdfText(options.invoiceNumber)}) /Producer (factpulse-rx simulator) >>`,
  ];
  // The second line marks the file as binary, as the PDF specification recommends.
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  const bytes = Buffer.from(body, 'latin1');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
