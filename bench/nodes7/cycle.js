// nodes7 (the client behind Node-RED's S7 nodes) as a peer column of bench/poll_cycle.py.
//
//   node bench/nodes7/cycle.js CONFIG.json
//
// CONFIG: {"host", "port", "items": [nodeS7 addresses]}. Connects (rack 0, slot 1), adds the
// items (nodes7 merges and packs them itself), prints {"ready": true} and then answers one
// JSON line per stdin line: "cycle" reads every item once with readAllItems and prints
// {"ms": cycle time, "bad": items of bad quality}; "values" does the same and adds
// "values" (in item order; non-finite numbers as strings). Exits when stdin closes.
'use strict';

const fs = require('fs');
const readline = require('readline');
const NodeS7 = require('nodes7');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const conn = new NodeS7({ silent: true });

function plain(value) {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function cycle(withValues, done) {
  const started = process.hrtime.bigint();
  conn.readAllItems((anythingBad, values) => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let bad = 0;
    const out = withValues ? [] : undefined;
    for (const item of config.items) {
      const value = values[item];
      if (typeof value === 'string' && value.startsWith('BAD')) bad += 1;
      if (out) out.push(plain(value));
    }
    done({ ms, bad, anythingBad: Boolean(anythingBad), values: out });
  });
}

conn.initiateConnection(
  { host: config.host, port: config.port, rack: 0, slot: 1, timeout: 10000 },
  (err) => {
    if (err !== undefined) {
      process.stdout.write(JSON.stringify({ error: String(err) }) + '\n');
      process.exit(1);
    }
    conn.addItems(config.items);
    process.stdout.write(JSON.stringify({ ready: true }) + '\n');
    const lines = readline.createInterface({ input: process.stdin });
    const queue = [];
    let busy = false;
    const next = () => {
      if (busy || queue.length === 0) return;
      busy = true;
      const command = queue.shift();
      cycle(command === 'values', (result) => {
        process.stdout.write(JSON.stringify(result) + '\n');
        busy = false;
        next();
      });
    };
    lines.on('line', (line) => {
      if (line.trim()) {
        queue.push(line.trim());
        next();
      }
    });
    lines.on('close', () => conn.dropConnection(() => process.exit(0)));
  },
);
