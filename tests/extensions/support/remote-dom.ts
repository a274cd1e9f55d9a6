/**
 * The DOM an admin UI extension renders into, as small as the extension sees it. Shopify runs
 * extensions in a sandboxed Web Worker whose `document` is a polyfill (remote-dom) that only
 * keeps a tree of elements, text, attributes, properties and events and mirrors it to the admin;
 * there is no layout, CSS or browser DOM there. This is the same surface, so Preact and the
 * `s-*` elements run exactly as they do in the worker, and a test reads the tree the admin would
 * draw. (No jsdom or happy-dom is installed; they would emulate a browser the extension never sees.)
 */

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const COMMENT_NODE = 8;
const DOCUMENT_NODE = 9;

export class RemoteNode extends EventTarget {
  readonly nodeType: number;
  parentNode: RemoteElement | null = null;
  childNodes: RemoteNode[] = [];

  constructor(nodeType: number) {
    super();
    this.nodeType = nodeType;
  }

  get firstChild(): RemoteNode | null {
    return this.childNodes[0] ?? null;
  }

  get lastChild(): RemoteNode | null {
    return this.childNodes.at(-1) ?? null;
  }

  get nextSibling(): RemoteNode | null {
    const siblings = this.parentNode?.childNodes;
    if (!siblings) return null;
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  get previousSibling(): RemoteNode | null {
    const siblings = this.parentNode?.childNodes;
    if (!siblings) return null;
    return siblings[siblings.indexOf(this) - 1] ?? null;
  }

  get textContent(): string {
    return this.childNodes.map((child) => child.textContent).join("");
  }

  insertBefore<T extends RemoteNode>(node: T, reference: RemoteNode | null): T {
    node.remove();
    const index = reference ? this.childNodes.indexOf(reference) : -1;
    if (index < 0) this.childNodes.push(node);
    else this.childNodes.splice(index, 0, node);
    node.parentNode = this as unknown as RemoteElement;
    return node;
  }

  appendChild<T extends RemoteNode>(node: T): T {
    return this.insertBefore(node, null);
  }

  removeChild<T extends RemoteNode>(node: T): T {
    const index = this.childNodes.indexOf(node);
    if (index >= 0) this.childNodes.splice(index, 1);
    node.parentNode = null;
    return node;
  }

  remove() {
    this.parentNode?.removeChild(this);
  }

  contains(node: RemoteNode | null): boolean {
    for (let at = node; at; at = at.parentNode) if (at === this) return true;
    return false;
  }
}

export class RemoteText extends RemoteNode {
  data: string;
  constructor(data: string, nodeType = TEXT_NODE) {
    super(nodeType);
    this.data = data;
  }
  override get textContent() {
    return this.nodeType === TEXT_NODE ? this.data : "";
  }
  get nodeValue() {
    return this.data;
  }
}

export class RemoteElement extends RemoteNode {
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly attributes = new Map<string, string>();
  readonly style: Record<string, string> & {
    cssText: string;
    setProperty(n: string, v: string): void;
  };

  constructor(localName: string, namespaceURI: string | null = null) {
    super(ELEMENT_NODE);
    this.localName = localName;
    this.namespaceURI = namespaceURI;
    const style: Record<string, string> = { cssText: "" };
    this.style = Object.assign(style, {
      setProperty(name: string, value: string) {
        style[name] = value;
      },
    }) as RemoteElement["style"];
  }

  get tagName() {
    return this.localName.toUpperCase();
  }

  setAttribute(name: string, value: unknown) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string) {
    return this.attributes.get(name) ?? null;
  }

  hasAttribute(name: string) {
    return this.attributes.has(name);
  }

  removeAttribute(name: string) {
    this.attributes.delete(name);
  }

  /** A property Preact set (`name in element`) or an attribute it fell back to. */
  prop(name: string): unknown {
    const own = (this as unknown as Record<string, unknown>)[name];
    return own !== undefined ? own : this.getAttribute(name);
  }

  /** The merchant's click, as the admin host forwards it to the worker. */
  click() {
    this.dispatchEvent(new Event("click", { bubbles: true }));
  }
}

export class RemoteDocument extends RemoteNode {
  readonly body: RemoteElement;

  constructor() {
    super(DOCUMENT_NODE);
    this.body = new RemoteElement("body");
  }

  createElement(localName: string) {
    return new RemoteElement(localName);
  }

  createElementNS(namespaceURI: string, localName: string) {
    return new RemoteElement(localName, namespaceURI);
  }

  createTextNode(data: string) {
    return new RemoteText(data);
  }

  createComment(data: string) {
    return new RemoteText(data, COMMENT_NODE);
  }
}

export function elements(root: RemoteNode, localName?: string): RemoteElement[] {
  const found: RemoteElement[] = [];
  const walk = (node: RemoteNode) => {
    for (const child of node.childNodes) {
      if (child instanceof RemoteElement) {
        if (!localName || child.localName === localName) found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

/** The text a merchant reads: each element's text apart from its neighbours', whitespace collapsed. */
export function visibleText(node: RemoteNode) {
  const read = (at: RemoteNode): string =>
    at.childNodes
      .map((child) => (child instanceof RemoteElement ? ` ${read(child)} ` : child.textContent))
      .join("");
  return read(node).replace(/\s+/g, " ").trim();
}
