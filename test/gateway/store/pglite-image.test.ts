import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../gateway/store/migrate.js';
import { migratedImageKey } from '../../../gateway/store/pglite.js';
import { forgetImagesInMemory, imageKey, pgliteFromImage, StatementHash } from '../../../gateway/store/pglite-image.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { loadHousingView } from '../../../sandbox/housing/system.js';
import { loadSocialCareDatabase } from '../../../sandbox/social-care/schema.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mash-pglite-images-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A key no other test (or earlier run) has used. */
const freshKey = (): string => imageKey('test', randomBytes(8).toString('hex'));

async function notes(db: PGlite): Promise<string[]> {
  return (await db.query<{ note: string }>('SELECT note FROM marker ORDER BY note')).rows.map((row) => row.note);
}

// The first build of a process runs initdb, seconds of WebAssembly on a busy machine.
describe('PGlite databases from images', { timeout: 120_000 }, () => {
  it('builds a key once; later databases load its image and are each their own', async () => {
    const key = freshKey();
    let builds = 0;
    const build = async (db: PGlite): Promise<void> => {
      builds += 1;
      await db.exec(`CREATE TABLE marker (note text); INSERT INTO marker VALUES ('built')`);
    };
    const first = await pgliteFromImage(key, build, { directory });
    const second = await pgliteFromImage(key, build, { directory });
    try {
      expect(builds).toBe(1);
      await first.query(`INSERT INTO marker VALUES ('first only')`);
      expect(await notes(first)).toEqual(['built', 'first only']);
      expect(await notes(second)).toEqual(['built']);
      expect(await readdir(directory)).toContain(`${key}.tar.gz`);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('loads the image another process left on disk instead of building', async () => {
    const key = freshKey();
    const built = await pgliteFromImage(key, async (db) => void (await db.exec(`CREATE TABLE marker (note text); INSERT INTO marker VALUES ('on disk')`)), { directory });
    await built.close();
    forgetImagesInMemory();
    const loaded = await pgliteFromImage(key, async () => expect.unreachable('the image on disk is loaded, not built again'), { directory });
    try {
      expect(await notes(loaded)).toEqual(['on disk']);
    } finally {
      await loaded.close();
    }
  });

  it('builds again over a damaged image and replaces it', async () => {
    const key = freshKey();
    await writeFile(join(directory, `${key}.tar.gz`), 'not a tarball');
    let builds = 0;
    const db = await pgliteFromImage(key, async (fresh) => {
      builds += 1;
      await fresh.exec(`CREATE TABLE marker (note text); INSERT INTO marker VALUES ('rebuilt')`);
    }, { directory });
    try {
      expect(builds).toBe(1);
      expect(await notes(db)).toEqual(['rebuilt']);
    } finally {
      await db.close();
    }
    forgetImagesInMemory();
    const again = await pgliteFromImage(key, async () => expect.unreachable('the replaced image loads'), { directory });
    await again.close();
  });

  it('lets a failed build fail its caller and keeps no image of it', async () => {
    const key = freshKey();
    await expect(pgliteFromImage(key, async (db) => void (await db.exec('CREATE TABLE broken (')), { directory })).rejects.toThrow();
    expect(await readdir(directory)).not.toContain(`${key}.tar.gz`);
    const db = await pgliteFromImage(key, async (fresh) => void (await fresh.exec(`CREATE TABLE marker (note text)`)), { directory });
    try {
      expect(await notes(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('image keys', () => {
  it('name a new migrated store image when a migration is added or edited', async () => {
    const migrations = await loadMigrations();
    const key = migratedImageKey(migrations);
    expect(migratedImageKey(await loadMigrations())).toBe(key);
    const last = migrations.at(-1)!;
    expect(migratedImageKey([...migrations.slice(0, -1), { ...last, checksum: `${last.checksum}0` }])).not.toBe(key);
    expect(migratedImageKey([...migrations, { name: '999_next', sql: 'SELECT 1', checksum: 'x' }])).not.toBe(key);
  });

  it('hash every statement and parameter a sandbox loader sends, so another county is another image', async () => {
    const digest = async (seed: number, households: number, loader: 'social-care' | 'housing'): Promise<string> => {
      const county = generateCounty({ seed, households });
      const statements = new StatementHash();
      if (loader === 'social-care') await loadSocialCareDatabase(statements.run, county.views.socialCare);
      else await loadHousingView({ exec: (sql) => statements.run(sql), query: statements.run }, county.views.housing);
      return statements.digest();
    };
    for (const loader of ['social-care', 'housing'] as const) {
      const same = await digest(7, 12, loader);
      expect(await digest(7, 12, loader)).toBe(same);
      expect(await digest(8, 12, loader)).not.toBe(same);
      expect(await digest(7, 40, loader)).not.toBe(same);
    }
  });
});
