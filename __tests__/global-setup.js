// Synth tests read the function bundles (dist/functions/*.zip); build them once per jest run.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

module.exports = async () => {
  const bundler = path.join(__dirname, '..', 'scripts', 'bundle-functions.js');
  if (fs.existsSync(bundler)) execFileSync(process.execPath, [bundler], { stdio: 'inherit' });
};
