import { describe, expect, it } from 'vitest';
import { createDownloadLinks } from '../../src/services/report/download-links.js';

const secret = new TextEncoder().encode('x'.repeat(40));
const PROJECT = '0b0f3c7e-7c55-4a36-9d2e-5b1f5e0f0a11';
const OTHER_PROJECT = '7d7b0b7e-1f0a-4b39-8a11-2c6f1f7e9b22';
const FIRM = '5a0c1f2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

const query = (link: string) => new URL(link, 'http://x').searchParams;

describe('download links', () => {
  it('are valid for five minutes, then refused as expired', () => {
    let now = 1_800_000_000_000;
    const links = createDownloadLinks({ secret, now: () => now });
    const link = links.create(PROJECT, FIRM);
    expect(Number(query(link).get('expires'))).toBe(now / 1000 + 300);
    expect(links.verify(PROJECT, query(link))).toEqual({ ok: true, firmId: FIRM });
    now += 299_999;
    expect(links.verify(PROJECT, query(link)).ok).toBe(true);
    now += 1;
    expect(links.verify(PROJECT, query(link))).toEqual({ ok: false, reason: 'EXPIRED' });
  });

  it('never live longer than five minutes, whatever the option says', () => {
    const links = createDownloadLinks({ secret, ttlSeconds: 3600, now: () => 0 });
    expect(query(links.create(PROJECT, FIRM)).get('expires')).toBe('300');
  });

  it('are bound to their project, their firm and their expiry; a changed byte is refused', () => {
    const links = createDownloadLinks({ secret });
    const params = query(links.create(PROJECT, FIRM));
    expect(links.verify(OTHER_PROJECT, params)).toEqual({ ok: false, reason: 'INVALID' });
    for (const [key, value] of [
      ['firm', OTHER_PROJECT],
      ['expires', String(Number(params.get('expires')) + 60)],
      ['signature', `${params.get('signature')!.slice(0, -1)}${params.get('signature')!.endsWith('A') ? 'B' : 'A'}`],
      ['signature', 'short'],
      ['expires', '1e99'],
    ] as const) {
      const changed = new URLSearchParams(params);
      changed.set(key, value);
      expect(links.verify(PROJECT, changed), `${key}=${value}`).toEqual({ ok: false, reason: 'INVALID' });
    }
    const missing = new URLSearchParams(params);
    missing.delete('firm');
    expect(links.verify(PROJECT, missing)).toEqual({ ok: false, reason: 'MISSING' });
  });

  it('signed with another secret are refused', () => {
    const link = createDownloadLinks({ secret: new TextEncoder().encode('y'.repeat(40)) }).create(PROJECT, FIRM);
    expect(createDownloadLinks({ secret }).verify(PROJECT, query(link))).toEqual({ ok: false, reason: 'INVALID' });
  });
});
