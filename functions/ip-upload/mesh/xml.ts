import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { MeshValidationError } from './types.ts';

/** Feeding the parser in slices keeps a large model part from becoming one huge string. */
const SLICE_BYTES = 1024 * 1024;

export interface XmlHandlers {
  onOpen(tag: SaxesTagNS): void;
  onClose?(tag: SaxesTagNS): void;
}

/**
 * Parses one XML part of a package with namespaces. Any DOCTYPE is refused: 3MF and OPC never
 * need one, and a DTD is where entity expansion attacks (billion laughs, external entities) live.
 * Handlers may throw MeshValidationError; any other parser failure is reported as malformed XML.
 */
export function parseXmlPart(bytes: Buffer, partName: string, handlers: XmlHandlers): void {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new MeshValidationError('3mf-malformed-xml', `"${partName}" is UTF-16; 3MF parts must be UTF-8.`);
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const parser = new SaxesParser({ xmlns: true, position: true });
  parser.on('doctype', () => {
    throw new MeshValidationError(
      '3mf-doctype',
      `"${partName}" contains a DOCTYPE declaration, which 3MF does not allow; remove it and export again.`,
    );
  });
  parser.on('opentag', (tag) => handlers.onOpen(tag));
  const onClose = handlers.onClose;
  if (onClose) parser.on('closetag', (tag) => onClose(tag));

  const decoder = new StringDecoder('utf8');
  try {
    for (let at = hasBom ? 3 : 0; at < bytes.length; at += SLICE_BYTES) {
      parser.write(decoder.write(bytes.subarray(at, at + SLICE_BYTES)));
    }
    parser.write(decoder.end());
    parser.close();
  } catch (error) {
    if (error instanceof MeshValidationError) throw error;
    throw new MeshValidationError(
      '3mf-malformed-xml',
      `"${partName}" is not well-formed XML (${error instanceof Error ? error.message : String(error)}).`,
      { cause: error },
    );
  }
}

/** The value of an attribute without a namespace prefix. */
export function attribute(tag: SaxesTagNS, name: string): string | undefined {
  return tag.attributes[name]?.value;
}

/** The value of an attribute in namespace `uri` (e.g. p:path), whatever prefix the file chose. */
export function namespacedAttribute(tag: SaxesTagNS, uri: string, local: string): string | undefined {
  for (const candidate of Object.values(tag.attributes)) {
    if (candidate.uri === uri && candidate.local === local) return candidate.value;
  }
  return undefined;
}

/**
 * XML Schema's whitespace collapse for one token: 3MF numbers and ids (ST_Number,
 * ST_ResourceID, ST_ResourceIndex) may carry leading and trailing whitespace (3MF Core §2.3.4).
 */
export function collapsedToken(value: string | undefined): string | undefined {
  return value?.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}
