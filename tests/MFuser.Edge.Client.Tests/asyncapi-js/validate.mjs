// Parses an AsyncAPI document with @asyncapi/parser (the AsyncAPI Initiative's reference parser: schema validation,
// $ref resolution of the docs/schemas/ files, and its Spectral rule set) and prints one JSON object: the diagnostics
// and, when the document parsed, its channel addresses and the payload schema of every message.
import { Parser, fromFile } from '@asyncapi/parser';

// The parser tags every schema it resolved with x-parser-* members; leave them out so schemas compare as written.
const untagged = value => Array.isArray(value) ? value.map(untagged)
  : value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('x-parser-')).map(([k, v]) => [k, untagged(v)]))
    : value;
const severities = ['error', 'warning', 'info', 'hint'];
const { document, diagnostics } = await fromFile(new Parser(), process.argv[2]).parse();
const out = {
  diagnostics: diagnostics.map(d => ({
    severity: severities[d.severity] ?? String(d.severity), code: d.code, message: d.message, path: d.path.join('.'),
  })),
  channels: document ? document.channels().all().map(c => ({
    id: c.id(),
    address: c.address(),
    messages: c.messages().all().map(m => ({ id: m.id(), contentType: m.contentType(), payload: untagged(m.payload()?.json() ?? null) })),
  })) : null,
};
process.stdout.write(JSON.stringify(out));
