// xterm.js writes its computed styles (cell size, theme colours) into <style>
// elements it creates, which the page's CSP (style-src 'self', no
// 'unsafe-inline') blocks. Rather than weaken the policy, <style> elements made
// through document.createElement become inert placeholders whose text is
// applied as a constructable stylesheet (document.adoptedStyleSheets: the CSSOM,
// which the CSP does not govern, and which cannot carry script). Only the
// terminal creates style elements; nothing user-supplied reaches them.
let installed = false;

function adoptedStyle(doc, create) {
  const placeholder = create.call(doc, "x-adopted-style");
  const sheet = new CSSStyleSheet();
  let text = "";
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  Object.defineProperty(placeholder, "textContent", {
    get: () => text,
    set: (value) => {
      text = String(value ?? "");
      sheet.replaceSync(text);
    },
  });
  const remove = placeholder.remove.bind(placeholder);
  placeholder.remove = () => {
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((kept) => kept !== sheet);
    remove();
  };
  return placeholder;
}

export function installAdoptedStyles() {
  if (installed) return;
  installed = true;
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function createElement(tag, options) {
    if (String(tag).toLowerCase() === "style") return adoptedStyle(this, create);
    return create.call(this, tag, options);
  };
}
