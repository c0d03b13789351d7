import { connect } from './db';
import { SEED_EMAIL } from './seed';

/**
 * Before the stack is deleted, removes what the seed created, while the database still exists. A failure is
 * logged and does not block the deletion.
 */
export async function handler(): Promise<void> {
  const client = await connect();
  try {
    await client.query('BEGIN');
    const posts = await client.query('DELETE FROM posts WHERE author_id IN (SELECT id FROM users WHERE email = $1)', [SEED_EMAIL]);
    const users = await client.query('DELETE FROM users WHERE email = $1', [SEED_EMAIL]);
    await client.query('COMMIT');
    console.log(`removed the seeded data: ${users.rowCount} user(s), ${posts.rowCount} post(s)`);
  } finally {
    await client.end();
  }
}
