import { synthOrExit } from '../main';
import { loadConfig } from '../stacks/config/load';
import { buildLocalApp } from './app';
import { localEndpointFrom } from './endpoints';

/**
 * Entry point of the local deployment (npm run synth:local, run by scripts/deploy.sh when
 * AWS_ENDPOINT_URL names an emulator): both stacks synthesized for the emulator at
 * LOCAL_AWS_ENDPOINT. docs/local-deploy.md describes what changes and why.
 */
if (require.main === module) synthOrExit((app) => buildLocalApp(app, loadConfig(process.env), localEndpointFrom(process.env)));
