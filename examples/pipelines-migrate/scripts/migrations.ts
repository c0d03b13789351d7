/** The schema's migrations, in order. Append new ones; never edit one that has been deployed. */
export const MIGRATIONS: ReadonlyArray<{ readonly id: string; readonly sql: string }> = [
  {
    id: '0001_users',
    sql: `CREATE TABLE users (
      id bigserial PRIMARY KEY,
      email text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
  },
  {
    id: '0002_posts',
    sql: `CREATE TABLE posts (
      id bigserial PRIMARY KEY,
      author_id bigint NOT NULL REFERENCES users (id),
      title text NOT NULL,
      body text NOT NULL DEFAULT ''
    )`,
  },
];
