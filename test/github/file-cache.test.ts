import { describe, expect, it } from 'vitest';
import { FileCache, fileKey } from '../../src/github/file-cache.ts';

describe('the file cache', () => {
  it('lets the least recently used texts go once it holds more than its limit', () => {
    const cache = new FileCache(10);
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    expect(cache.get('a')).toBe('aaaa');
    cache.set('c', 'cccc');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['aaaa', undefined, 'cccc']);
  });

  it('keeps no text larger than the whole cache, and counts a replaced text once', () => {
    const cache = new FileCache(10);
    cache.set('big', 'x'.repeat(11));
    expect(cache.get('big')).toBeUndefined();
    cache.set('a', 'aaaaa');
    cache.set('a', 'aaaaa');
    cache.set('b', 'bbbbb');
    expect([cache.get('a'), cache.get('b')]).toEqual(['aaaaa', 'bbbbb']);
  });

  it('keys a file by its repository and blob SHA', () => {
    expect(fileKey({ owner: 'acme', repo: 'shop' }, 'abc123')).toBe('acme/shop@abc123');
    expect(fileKey({ owner: 'acme', repo: 'shop' }, 'abc123')).not.toBe(fileKey({ owner: 'acme', repo: 'shop2' }, 'abc123'));
  });
});
