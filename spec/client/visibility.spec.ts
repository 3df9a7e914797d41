import { VisibilityWatch, globalVisibilityDocument } from '../../lib/client/visibility.js';
import { FakeDocument } from '../helpers/fake-document.js';

describe('VisibilityWatch', () => {
  afterEach(() => {
    delete (globalThis as { document?: unknown }).document;
  });

  it('finds no document on Node, and a document-like global when one is installed', () => {
    expect(globalVisibilityDocument()).toBeUndefined();
    const fake = new FakeDocument();
    (globalThis as { document?: unknown }).document = fake;
    expect(globalVisibilityDocument()).toBe(fake);
    (globalThis as { document?: unknown }).document = { title: 'no visibility API' };
    expect(globalVisibilityDocument()).toBeUndefined();
  });

  it('reports changes while attached, and removes its listener on detach', () => {
    const doc = new FakeDocument();
    const seen: boolean[] = [];
    const watch = new VisibilityWatch(doc, (hidden) => seen.push(hidden));
    doc.set('hidden');
    expect(watch.attach()).toBe(true);
    doc.set('hidden');
    doc.set('visible');
    doc.set('hidden');
    watch.detach();
    doc.set('visible');
    expect(seen).toEqual([false, true]);
    expect(doc.listeners).toBe(0);
  });
});
