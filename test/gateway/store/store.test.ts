import { describe, expect, it, afterEach, beforeEach } from 'vitest';
import { GatewayError } from '../../../gateway/errors.js';
import { openStore, type Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';

describe.each(storeKinds())('$name store', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
    await store.query('CREATE TABLE note (id int PRIMARY KEY, text text NOT NULL)');
  });
  afterEach(async () => {
    await store.close();
  });

  it(`reports its kind`, () => {
    expect(store.kind).toBe(kind.name);
  });

  it('runs parameterised queries and returns rows', async () => {
    await store.query('INSERT INTO note (id, text) VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    const { rows } = await store.query<{ id: number; text: string }>('SELECT id, text FROM note ORDER BY id');
    expect(rows).toEqual([
      { id: 1, text: 'one' },
      { id: 2, text: 'two' },
    ]);
  });

  it('returns bigint as a number, timestamptz as a Date and jsonb parsed, the same in both stores', async () => {
    const { rows } = await store.query<{ big: unknown; huge: unknown; counted: unknown; at: unknown; doc: unknown }>(
      `SELECT 42::bigint AS big, 9007199254740993::bigint AS huge, count(*) AS counted,
              '2024-05-01T10:00:00Z'::timestamptz AS at, '{"a":[1,"b"]}'::jsonb AS doc FROM note`,
    );
    expect(rows[0]).toEqual({
      big: 42,
      huge: 9007199254740993n,
      counted: 0,
      at: new Date('2024-05-01T10:00:00Z'),
      doc: { a: [1, 'b'] },
    });
  });

  it('commits a transaction when its callback resolves', async () => {
    const result = await store.transaction(async (tx) => {
      await tx.query('INSERT INTO note VALUES (1, $1)', ['kept']);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await store.query('SELECT text FROM note')).rows).toEqual([{ text: 'kept' }]);
  });

  it('rolls a transaction back when its callback throws, and rethrows the error', async () => {
    const failure = new Error('changed my mind');
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO note VALUES (1, $1)', ['discarded']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await store.query('SELECT * FROM note')).rows).toEqual([]);
  });

  it('rolls a transaction back when one of its statements fails, leaving the store usable', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO note VALUES (1, $1)', ['first']);
        await tx.query('INSERT INTO note VALUES (1, $1)', ['duplicate key']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await store.query('SELECT * FROM note')).rows).toEqual([]);
    await store.query('INSERT INTO note VALUES (1, $1)', ['after']);
  });

  it('passes SQL errors through unchanged (they are not availability problems)', async () => {
    const error = await store.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: '42P01' });
  });

  it('never runs a query issued during a transaction inside that transaction', async () => {
    let queryIssued!: () => void;
    const issued = new Promise<void>((resolve) => (queryIssued = resolve));
    let concurrent: Promise<{ rows: { n: number }[] }> | undefined;
    const transaction = store.transaction(async (tx) => {
      await tx.query('INSERT INTO note VALUES (1, $1)', ['uncommitted']);
      concurrent = store.query<{ n: number }>('SELECT count(*)::int AS n FROM note');
      queryIssued();
      // Give a wrongly interleaved query every chance to run now.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query('SELECT 1');
      throw new Error('roll back');
    });
    await issued;
    await expect(transaction).rejects.toThrow('roll back');
    // Had it run inside the transaction it would have seen the uncommitted row.
    expect((await concurrent!).rows).toEqual([{ n: 0 }]);
  });

  it('refuses to use a transaction handle after the transaction ended', async () => {
    let handle: { query(sql: string): Promise<unknown> } | undefined;
    await store.transaction(async (tx) => {
      handle = tx;
    });
    await expect(handle!.query('SELECT 1')).rejects.toThrow();
  });

  it('reports STORE_UNAVAILABLE for queries and transactions after it is closed', async () => {
    await store.close();
    await expect(store.query('SELECT 1')).rejects.toMatchObject({ name: 'GatewayError', code: 'STORE_UNAVAILABLE' });
    await expect(store.transaction(async () => 1)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('openStore', () => {
  it('uses PGlite in memory when given no database URL', async () => {
    const store = await openStore();
    expect(store.kind).toBe('pglite');
    await store.close();
  });

  it('gives every in-memory store its own empty, migrated database, though later ones start from a copy', async () => {
    const first = await openStore();
    const second = await openStore();
    try {
      await first.query('CREATE TABLE written_in_first (a int)');
      const seen = async (store: Store) => (await store.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'written_in_first'")).rows[0]!.n;
      expect(await seen(first)).toBe(1);
      expect(await seen(second)).toBe(0);
      const third = await openStore();
      try {
        expect(await seen(third)).toBe(0);
        // Migrated like any store: the audit log's table is there and empty.
        expect((await third.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n).toBe(0);
      } finally {
        await third.close();
      }
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('rejects a schema name that is not a plain lower-case identifier, before connecting', async () => {
    await expect(openStore({ schema: 'x; DROP TABLE audit_event' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(openStore({ schema: 'Mixed' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('reports an unreachable PostgreSQL as STORE_UNAVAILABLE without SQL or credentials', async () => {
    const error = await openStore({ databaseUrl: 'postgres://gateway:s3cret-pw@127.0.0.1:1/test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const { message, cause } = error as GatewayError;
    expect(message).toMatch(/could not be reached \(ECONNREFUSED\)/);
    expect(message).not.toMatch(/s3cret|gateway:|SELECT|CREATE/);
    expect(cause).toBeDefined();
  });

  it('reports a PGlite data directory that cannot be opened as STORE_UNAVAILABLE', async () => {
    await expect(openStore({ dataDir: '/proc/definitely/not/writable' })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
