// The baseline of `npm run bench`, as its own process like the product's receiver: what a first
// implementation would do with a webhook (parse, insert, answer). DATABASE_URL and PORT from the env.
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
await pool.query(`CREATE TABLE IF NOT EXISTS baseline_webhooks (id bigserial PRIMARY KEY, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);
const app = express();
app.get('/healthz', (_req, res) => {
  res.status(200).json({ ok: true });
});
app.post('/webhooks/snaptrade', express.json(), async (req, res) => {
  await pool.query(`INSERT INTO baseline_webhooks (body) VALUES ($1)`, [req.body]);
  res.status(200).json({ received: true });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
