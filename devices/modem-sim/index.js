// `node devices/modem-sim ...`: Node 20 cannot run TypeScript, so this shim loads the
// compiled CLI from dist/ (npm run build, or npx tsc -p tsconfig.build.json).
/* global console, process */
try {
  await import('../../dist/devices/modem-sim/cli.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/devices/modem-sim/cli.js')) {
    console.error('modem-sim: dist/devices/modem-sim/cli.js is missing; build first: npx tsc -p tsconfig.build.json');
    process.exit(1);
  }
  throw e;
}
