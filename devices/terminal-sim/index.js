// `node devices/terminal-sim ...`: Node 20 cannot run TypeScript, so this shim loads the
// compiled CLI from dist/ (npm run build, or npx tsc -p tsconfig.build.json).
/* global console, process */
try {
  await import('../../dist/devices/terminal-sim/cli.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/devices/terminal-sim/cli.js')) {
    console.error('terminal-sim: dist/devices/terminal-sim/cli.js is missing; build first: npx tsc -p tsconfig.build.json');
    process.exit(1);
  }
  throw e;
}
