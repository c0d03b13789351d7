import { existsSync, readFileSync } from 'node:fs';
import { Client } from 'pg';

/**
 * RDS for PostgreSQL 15 and later accepts only encrypted connections. Lambda's Node.js runtimes carry the
 * Amazon RDS certificate authorities in this file: the server's certificate is checked against them.
 */
const RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** A client connected to the database that `connectTo: [database]` names in the script's environment. */
export async function connect(): Promise<Client> {
  const connectionString = process.env.STP_DATABASE_CONNECTION_STRING;
  if (!connectionString) {
    throw new Error('STP_DATABASE_CONNECTION_STRING is not set: list the database in the script\'s connectTo');
  }
  const client = new Client({
    connectionString,
    // Outside Lambda (a local stand-in for the database), the connection is encrypted but not verified.
    ssl: existsSync(RDS_CA_BUNDLE) ? { ca: readFileSync(RDS_CA_BUNDLE, 'utf8') } : { rejectUnauthorized: false },
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  return client;
}
