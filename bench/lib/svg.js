// Small helpers for writing SVG by hand: escaping, elements, a palette that stays readable in print.

export const PALETTE = ['#1b6ac9', '#d1495b', '#2e933c', '#edae49', '#6c4ab6', '#00798c', '#8d6a48', '#555555'];

export function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An element with attributes; `content` (already SVG) makes it a container. */
export function element(name, attributes, content) {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  return content === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

export function text(x, y, content, attributes = {}) {
  return element('text', { x: round(x), y: round(y), ...attributes }, escapeXml(content));
}

export function round(value) {
  return Math.round(value * 10) / 10;
}

export function svgDocument(width, height, body) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`,
    ' font-family="sans-serif" font-size="12">',
    element('rect', { width, height, fill: 'white' }),
    body,
    '</svg>\n',
  ].join('');
}

/**
 * An estimate of how wide text is at this font size in sans-serif, generous enough that labels sized by it
 * fit (average glyph ~0.55 em; capitals and digits are wider than that, so 0.6 em).
 */
export function textWidth(content, fontSize = 12) {
  return String(content).length * fontSize * 0.6;
}
