/**
 * npm run simulator -- --port 9100 --seed 1 --scenario demo --speed 1 [--host 127.0.0.1]
 *                      [--control] [--key-file ./simulator-demo-key.json]
 * Starts the exchange, prints its URLs and writes the demo account's API key to a file
 * (owner-only permissions; the private key is never printed).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioName } from './scenarios/index.js';
import { startSimulator } from './simulator.js';

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    scenario: { type: 'string', default: 'demo' },
    speed: { type: 'string', default: '1' },
    control: { type: 'boolean', default: false },
    'key-file': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: simulator [--port 9100] [--host 127.0.0.1] [--seed 1] [--scenario demo|quiet|busy] [--speed 1] [--control] [--key-file path]\n',
  );
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`bad --port ${values.port}`);
const speed = Number(values.speed);
if (!Number.isFinite(speed) || speed <= 0) fail(`bad --speed ${values.speed}`);
const scenario = values.scenario as ScenarioName;
if (!SCENARIOS.includes(scenario)) fail(`--scenario must be one of ${SCENARIOS.join(', ')}`);
const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;

const sim = await startSimulator({
  port,
  host: values.host,
  seed,
  scenario,
  speed,
  controlApi: values.control,
});
// npm runs workspace scripts inside the package; write the key where the user ran the command.
const keyFile = resolve(
  process.env.INIT_CWD ?? process.cwd(),
  values['key-file'] ?? 'simulator-demo-key.json',
);
writeFileSync(
  keyFile,
  `${JSON.stringify({ keyId: sim.demoAccount.keyId, privateKeyPem: sim.demoAccount.privateKeyPem, userId: sim.demoAccount.userId, restBaseUrl: sim.restBaseUrl, wsUrl: sim.wsUrl }, null, 2)}\n`,
  { mode: 0o600 },
);

process.stdout.write(
  [
    `Kalshi simulator (scenario ${scenario}, seed ${String(seed)}, speed ${speed}x)`,
    `  REST     ${sim.restBaseUrl}`,
    `  WS       ${sim.wsUrl}`,
    `  control  ${sim.controlUrl ?? 'off (start with --control)'}`,
    `  demo key ${sim.demoAccount.keyId} (private key written to ${keyFile})`,
    '',
  ].join('\n'),
);

const shutdown = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
