/*
 * Command-line plumbing shared by the scripts: strict `node:util` parseArgs, `-h`/`--help`
 * printing the usage with exit 0, and a bad argument reported on one line naming it and what
 * is allowed, with exit 2. Plain JavaScript so that the scripts run by `node` (bundle-functions.js,
 * bench-synth.js) and the TypeScript ones share it.
 */
// @ts-check
'use strict';

const { parseArgs } = require('node:util');

/** A bad command line: the message names the argument and what is allowed; the script exits 2. */
class UsageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

const HELP = /** @type {const} */ ({ help: { type: 'boolean', short: 'h' } });

/**
 * @param {Record<string, import('node:util').ParseArgsOptionDescriptor>} options
 * @returns {string}
 */
function allowedFlags(options) {
  return Object.entries(options)
    .map(([name, o]) => `${o.short ? `-${o.short}/` : ''}--${name}${o.type === 'string' ? ' <value>' : ''}`)
    .join(', ');
}

/**
 * Parses argv strictly with the given options plus `-h`/`--help`.
 * Throws UsageError for an unknown option, a missing value, a value given to a flag, or a
 * positional argument the script does not take.
 * @template {import('node:util').ParseArgsOptionsConfig} O
 * @param {readonly string[]} argv
 * @param {O} options
 * @param {{ positionals?: boolean }} [config] `positionals`: whether the command takes positional
 *   arguments (none are accepted without it).
 */
function parseCommandLine(argv, options, config = {}) {
  const all = { ...options, ...HELP };
  try {
    return parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: config.positionals === true });
  } catch (e) {
    const error = /** @type {Error & { code?: string }} */ (e);
    const allowed = allowedFlags(all);
    const unknown = /Unknown option '([^']+)'/.exec(error.message);
    if (unknown) throw new UsageError(`unknown option ${unknown[1]}: allowed are ${allowed}`);
    const positional = /Unexpected argument '([^']*)'/.exec(error.message);
    if (positional) throw new UsageError(`unexpected argument "${positional[1]}": this command takes options only (${allowed})`);
    const missing = /Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(error.message);
    if (missing) throw new UsageError(`${missing[2]} needs a value`);
    const noValue = /Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(error.message);
    if (noValue) throw new UsageError(`${noValue[2]} is a flag and takes no value`);
    if (error.code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(error.message.split('\n')[0] ?? error.message);
    throw e;
  }
}

/**
 * The integer value of `--name`, `dflt` when it was not given.
 * @param {string | undefined} value
 * @param {string} name
 * @param {number} dflt
 * @param {number} [min]
 * @param {number} [max]
 * @returns {number}
 */
function integerOption(value, name, dflt, min = 1, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      max === Number.MAX_SAFE_INTEGER
        ? `--${name} must be an integer of at least ${min}, got "${value}"`
        : `--${name} must be an integer from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}

/**
 * The options of a script run from the shell. `parse` reads the command line (pure; it returns
 * `{ help: true }` when help was asked for and throws UsageError on a bad argument). On help this
 * prints `usage` and exits 0; on a usage error it prints `<name>: <what is wrong>` on one line
 * and exits 2.
 * @template T
 * @param {string} name the script's name, prefixed to its messages
 * @param {string} usage printed by --help
 * @param {() => T | { help: true }} parse
 * @returns {T}
 */
function commandLineOrExit(name, usage, parse) {
  let result;
  try {
    result = parse();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${name}: ${e.message} (see --help)\n`);
    process.exit(2);
  }
  if (typeof result === 'object' && result !== null && 'help' in result && result.help === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return /** @type {T} */ (result);
}

module.exports = { UsageError, parseCommandLine, integerOption, commandLineOrExit };
