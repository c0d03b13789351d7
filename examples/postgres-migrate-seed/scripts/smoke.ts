import { connect } from './db';

/**
 * The last check of a deployment, after the migrations and the seed: the application's own query works, and finds the
 * administrator given in the parameters. A failure fails the deployment, the stack rolls back, and the migrations this
 * deployment applied are undone (Migrate has `undoOnRollback`).
 */
export async function handler(event: { adminEmail: string }): Promise<void> {
  const client = await connect();
  try {
    const { rows } = await client.query<{ posts: number }>(
      `SELECT count(p.id)::int AS posts FROM users u LEFT JOIN posts p ON p.author_id = u.id WHERE u.email = $1 GROUP BY u.id`,
      [event.adminEmail],
    );
    if (rows.length === 0) throw new Error(`smoke test failed: no user ${event.adminEmail}`);
    console.log(`smoke test passed: ${event.adminEmail} has ${rows[0].posts} post(s)`);
  } finally {
    await client.end();
  }
}
