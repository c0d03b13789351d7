/**
 * The schema's migrations, in order. Append new ones; never edit one that has been deployed. `down` undoes `sql`: it
 * runs when the deployment that applied the migration rolls back (migrate.ts).
 */
export const MIGRATIONS: ReadonlyArray<{ readonly id: string; readonly sql: string; readonly down: string }> = [
  {
    id: '0001_users',
    sql: `CREATE TABLE users (
      id bigserial PRIMARY KEY,
      email text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    down: 'DROP TABLE users',
  },
  {
    id: '0002_posts',
    sql: `CREATE TABLE posts (
      id bigserial PRIMARY KEY,
      author_id bigint NOT NULL REFERENCES users (id),
      title text NOT NULL,
      body text NOT NULL DEFAULT ''
    )`,
    down: 'DROP TABLE posts',
  },
];
