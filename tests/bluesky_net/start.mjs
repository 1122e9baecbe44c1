// Starts a local Bluesky network (PLC directory + PDS, no AppView) on
// 127.0.0.1, prints one line `READY {"pds": ..., "plc": ...}` and runs until
// SIGTERM or SIGINT, then closes the servers and exits 0.
//
// Run with TMPDIR pointing at a throw-away directory: the PDS keeps its
// SQLite files and blobs under os.tmpdir().
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
const { TestNetworkNoAppView } = require('@atproto/dev-env')

// Port keys are left out on purpose: dev-env picks a free port only when the
// key is absent (a 0 would be spread over the chosen port).
const network = await TestNetworkNoAppView.create({
  pds: { hostname: 'localhost' },
})

const pdsPort = network.pds.port
const plcPort = network.plc.port
const ready = {
  pds: `http://127.0.0.1:${pdsPort}`,
  plc: `http://127.0.0.1:${plcPort}`,
  firehose: `ws://127.0.0.1:${pdsPort}/xrpc`,
  pid: process.pid,
}
process.stdout.write(`READY ${JSON.stringify(ready)}\n`)

let closing = false
async function shutdown(signal) {
  if (closing) return
  closing = true
  try {
    await network.close()
    process.exit(0)
  } catch (err) {
    process.stderr.write(`closing the network after ${signal} failed: ${err?.stack ?? err}\n`)
    process.exit(1)
  }
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
// The parent closed our stdin (e.g. the test runner died): shut down too.
process.stdin.on('end', () => shutdown('stdin closed'))
process.stdin.resume()
