import { describe, expect, it } from 'vitest';
import { attributeWord, entityName, erDiagram, mermaidType } from '../../src/report/schema-diagram.ts';
import type { ColumnDefinition, ForeignKeyShape, TableShape } from '../../src/shadow/schema-changes.ts';
import { mermaidProblems } from './mermaid-grammar.ts';

function column(name: string, type: string, notNull = false): ColumnDefinition {
  return { name, type, notNull, default: null };
}

function foreignKey(columns: string[], references: string, unique = false): ForeignKeyShape {
  return { name: `${columns.join('_')}_fkey`, columns, references, referencedColumns: ['id'], unique, enforced: true };
}

function table(name: string, overrides: Partial<TableShape> = {}): TableShape {
  return { table: name, changed: true, columns: [column('id', 'bigint', true)], primaryKey: ['id'], foreignKeys: [], indexes: [], ...overrides };
}

const ORDERS = table('public.orders', {
  columns: [column('id', 'bigint', true), column('user_id', 'bigint', true), column('approver_id', 'bigint'), column('note', 'character varying(255)')],
  foreignKeys: [foreignKey(['user_id'], 'public.users'), foreignKey(['approver_id'], 'public.users')],
});
const USERS = table('public.users', {
  changed: false,
  columns: [column('id', 'bigint', true)],
});

describe('erDiagram', () => {
  it('draws the tables with key markers, and a relationship per foreign key', () => {
    const diagram = erDiagram([ORDERS, USERS]);
    expect(diagram.text).toBe(
      [
        'erDiagram',
        '    orders {',
        '        bigint id PK',
        '        bigint user_id FK',
        '        bigint approver_id FK',
        '        varchar(255) note',
        '    }',
        '    users {',
        '        bigint id PK',
        '    }',
        '    orders }o--|| users : "user_id"',
        '    orders }o--o| users : "approver_id"',
      ].join('\n'),
    );
    expect(diagram.omitted).toEqual([]);
    expect(mermaidProblems(diagram.text)).toEqual([]);
  });

  it('marks a one-to-one key, a composite key and a single-column unique index', () => {
    const profiles = table('public.profiles', {
      columns: [column('id', 'bigint', true), column('user_id', 'bigint', true), column('a', 'integer', true), column('b', 'integer')],
      foreignKeys: [foreignKey(['user_id'], 'public.users', true), foreignKey(['a', 'b'], 'public.pairs')],
      indexes: [{ name: 'public.profiles_user_id_key', columns: ['user_id'], unique: true, partial: false, valid: true }],
    });
    const pairs = table('public.pairs', { changed: false });
    const lines = erDiagram([profiles, USERS, pairs]).text.split('\n');
    expect(lines).toContain('        bigint user_id FK, UK');
    expect(lines).toContain('    profiles |o--|| users : "user_id"');
    expect(lines).toContain('    profiles }o--o| pairs : "a, b"');
  });

  it('quotes names Mermaid would misread and spells types as single words', () => {
    const odd = table('billing.invoices', {
      columns: [
        column('id', 'bigint', true),
        column('pk', 'text'),
        column('first name', 'double precision'),
        column('2fa', 'timestamp(3) without time zone'),
        column('at', 'timestamp with time zone'),
        column('tags', 'text[]'),
        column('amount', 'numeric(10,2)'),
        column('role', '"ProjectRole"'),
        column('state', 'billing."Status"'),
      ],
      foreignKeys: [foreignKey(['id'], 'public.to')],
    });
    const diagram = erDiagram([odd, table('public.to', { changed: false })]);
    expect(diagram.text.split('\n')).toEqual([
      'erDiagram',
      '    "billing.invoices" {',
      '        bigint id PK, FK',
      '        text _pk',
      '        float8 first_name',
      '        timestamp(3) _2fa',
      '        timestamptz at',
      '        text[] tags',
      '        numeric(10_2) amount',
      '        ProjectRole role',
      '        billing_Status state',
      '    }',
      '    "to" {',
      '        bigint id PK',
      '    }',
      '    "billing.invoices" }o--|| "to" : "id"',
    ]);
    expect(mermaidProblems(diagram.text)).toEqual([]);
  });

  it('stops at 30 tables and says which were left out', () => {
    const shapes = Array.from({ length: 33 }, (_, i) => table(`public.t${i}`, { foreignKeys: i ? [foreignKey(['id'], `public.t${i - 1}`)] : [] }));
    const diagram = erDiagram(shapes);
    expect(diagram.omitted).toEqual(['public.t30', 'public.t31', 'public.t32']);
    expect(diagram.text).toContain('    t29 }o--|| t28 : "id"');
    expect(diagram.text).not.toContain('t30');
    expect(mermaidProblems(diagram.text)).toEqual([]);
  });
});

describe('Mermaid spellings', () => {
  it('keeps plain names and quotes keywords, schemas and strange characters', () => {
    expect(entityName('public.users')).toBe('users');
    expect(entityName('public.Users_2')).toBe('Users_2');
    expect(entityName('public.end')).toBe('"end"');
    expect(entityName('public.Many')).toBe('"Many"');
    expect(entityName('audit.log')).toBe('"audit.log"');
    expect(entityName('public.100% "odd" name')).toBe('"100___odd__name"');
  });

  it('shortens multi-word types the way PostgreSQL accepts them', () => {
    expect(mermaidType('character varying')).toBe('varchar');
    expect(mermaidType('character(1)')).toBe('char(1)');
    expect(mermaidType('bit varying(8)')).toBe('varbit(8)');
    expect(mermaidType('time(6) with time zone')).toBe('timetz(6)');
    expect(mermaidType('character varying(255)[]')).toBe('varchar(255)[]');
  });

  it('never lets a word read as a key marker or start with a digit', () => {
    expect(attributeWord('FK')).toBe('_FK');
    expect(attributeWord('uk-x')).toBe('_uk-x');
    expect(attributeWord('pkg')).toBe('pkg');
    expect(attributeWord('9lives')).toBe('_9lives');
    expect(attributeWord('café')).toBe('café');
    expect(attributeWord('a~b~c')).toBe('a_b_c');
  });
});

describe('the grammar check', () => {
  it('rejects what Mermaid cannot parse', () => {
    expect(mermaidProblems('erDiagram\n    one {\n        bigint id\n    }')).toHaveLength(1);
    expect(mermaidProblems('erDiagram\n    t {\n        numeric(10,2) amount\n    }')).toHaveLength(1);
    expect(mermaidProblems('erDiagram\n    t {\n        text pk\n    }')).toHaveLength(1);
    expect(mermaidProblems('erDiagram\n    t {\n        bigint id\n    }\n    t }o--|| u : "x"')).toHaveLength(1);
  });
});
