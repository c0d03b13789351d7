import { connect } from './db';

/** The seeded administrator. The cleanup script removes what is seeded here. */
export const SEED_EMAIL = 'admin@example.com';

/** Seeds the data the application needs; safe to run again. Returns the administrator's id, as an attribute. */
export async function handler(): Promise<{ adminUserId: string }> {
  const client = await connect();
  try {
    const { rows: [admin] } = await client.query<{ id: string }>(
      `INSERT INTO users (email, name) VALUES ($1, 'Administrator')
       ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name
       RETURNING id`,
      [SEED_EMAIL],
    );
    await client.query(
      `INSERT INTO posts (author_id, title, body)
       SELECT $1, 'Welcome', 'Seeded at deployment.'
       WHERE NOT EXISTS (SELECT 1 FROM posts WHERE author_id = $1 AND title = 'Welcome')`,
      [admin.id],
    );
    console.log(`seeded administrator ${admin.id}`);
    return { adminUserId: String(admin.id) };
  } finally {
    await client.end();
  }
}
