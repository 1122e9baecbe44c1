// Starts a local Bluesky network on 127.0.0.1, prints one line
// `READY {"pds": ..., "plc": ...}` and runs until SIGTERM or SIGINT, then
// closes the servers and exits 0.
//
// Default: PLC directory + PDS (no AppView).
// With `--appview` (or BSKY_APPVIEW=1): the full TestNetwork, adding the
// AppView `bsky` (and the moderation service it expects). It needs PostgreSQL
// and Redis: DB_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)
// and REDIS_HOST (e.g. 127.0.0.1:6379). Each run uses its own PostgreSQL
// schemas, named from DB_POSTGRES_SCHEMA (letters and underscores; a random
// one when unset), and drops them again when it closes. READY then also
// carries "appview" (URL) and "appview_did".
//
// Run with TMPDIR pointing at a throw-away directory: the PDS keeps its
// SQLite files and blobs under os.tmpdir().
import crypto from 'node:crypto'
import dns from 'node:dns'
import net from 'node:net'
import { createRequire } from 'node:module'

// Node 20 may resolve "localhost" to ::1 first while we bind IPv4 only.
dns.setDefaultResultOrder('ipv4first')

// Express and the PLC server listen on every interface by default; the test
// network must never be reachable from outside this machine.
const originalListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const callback = args.find((a) => typeof a === 'function')
  if (args.length === 0 || typeof args[0] === 'function' || typeof args[0] === 'number') {
    // listen([port][, host][, backlog][, callback]) -> listen(port, '127.0.0.1'[, callback])
    const port = typeof args[0] === 'number' ? args[0] : 0
    return callback
      ? originalListen.call(this, port, '127.0.0.1', callback)
      : originalListen.call(this, port, '127.0.0.1')
  }
  if (args[0] && typeof args[0] === 'object' && 'port' in args[0]) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return originalListen.apply(this, args)
}

const require = createRequire(import.meta.url)
const { TestNetwork, TestNetworkNoAppView } = require('@atproto/dev-env')

const withAppView = process.argv.includes('--appview') || ['1', 'true', 'yes'].includes(process.env.BSKY_APPVIEW ?? '')

function fail(message) {
  process.stderr.write(`${message}\n`)
  process.exit(2)
}

// dev-env names the schemas `appview_<name>` and `ozone_<name>`; the AppView
// refuses anything but letters and underscores in a schema name.
function schemaName() {
  const given = process.env.DB_POSTGRES_SCHEMA
  if (given) {
    if (!/^[A-Za-z_]+$/.test(given)) fail(`DB_POSTGRES_SCHEMA=${given}: use letters and underscores only`)
    return given
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  return 'run_' + Array.from(crypto.randomBytes(12), (b) => letters[b % 26]).join('')
}

// dev-env leaves its schemas behind; drop them so runs do not pile up.
async function dropSchemas(url, schemas) {
  // `pg` comes with the AppView; resolve it the way the AppView does.
  const { Client } = createRequire(require.resolve('@atproto/bsky'))('pg')
  const client = new Client({ connectionString: url })
  await client.connect()
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

let network
let schemas = []
const ready = {}
if (withAppView) {
  const dbPostgresUrl = process.env.DB_POSTGRES_URL
  if (!dbPostgresUrl) fail('--appview needs DB_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)')
  if (!process.env.REDIS_HOST) fail('--appview needs REDIS_HOST (e.g. 127.0.0.1:6379)')
  const schema = schemaName()
  schemas = [`appview_${schema}`, `ozone_${schema}`]
  try {
    // Port keys are left out on purpose: dev-env picks a free port only when
    // the key is absent (a 0 would be spread over the chosen port).
    network = await TestNetwork.create({ dbPostgresUrl, dbPostgresSchema: schema, pds: { hostname: 'localhost' } })
  } catch (err) {
    await dropSchemas(dbPostgresUrl, schemas).catch(() => {})
    throw err
  }
  ready.appview = `http://127.0.0.1:${network.bsky.port}`
  ready.appview_did = network.bsky.ctx.cfg.serverDid
  ready.schemas = schemas
} else {
  network = await TestNetworkNoAppView.create({ pds: { hostname: 'localhost' } })
}

const pdsPort = network.pds.port
Object.assign(ready, {
  pds: `http://127.0.0.1:${pdsPort}`,
  plc: `http://127.0.0.1:${network.plc.port}`,
  firehose: `ws://127.0.0.1:${pdsPort}/xrpc`,
  pid: process.pid,
})
process.stdout.write(`READY ${JSON.stringify(ready)}\n`)

let closing = false
async function shutdown(signal) {
  if (closing) return
  closing = true
  let code = 0
  try {
    await network.close()
  } catch (err) {
    process.stderr.write(`closing the network after ${signal} failed: ${err?.stack ?? err}\n`)
    code = 1
  }
  try {
    if (schemas.length) await dropSchemas(process.env.DB_POSTGRES_URL, schemas)
  } catch (err) {
    process.stderr.write(`dropping the PostgreSQL schemas ${schemas.join(', ')} failed: ${err?.stack ?? err}\n`)
    code = 1
  }
  process.exit(code)
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
// The parent closed our stdin (e.g. the test runner died): shut down too.
process.stdin.on('end', () => shutdown('stdin closed'))
process.stdin.resume()
