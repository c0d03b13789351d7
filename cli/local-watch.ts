/**
 * `run --local --watch`: a script run again each time the cloud assembly changes, and the assembly synthesized
 * again each time a file of the app changes. The script still runs from the assembly, as Lambda would run it: an
 * edit goes through the user's own `cdk synth` (the cdk CLI of the app, with the app's cdk.json), never through a
 * second bundler that could bundle it differently.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type FSWatcher, lstatSync, readdirSync, readFileSync, type Stats, statSync, watch } from 'node:fs';
import { delimiter, join, relative, resolve, sep } from 'node:path';
import { USER_ENV } from './env';
import { info, type Io, style } from './output';
import { appDirOf } from './provided-sdk';
import { excluded, notIncluded, type WatchPatterns, watchPatterns } from './watch-patterns';

/** cdk synth writes several files: the script runs once it is done with them. */
const ASSEMBLY_SETTLE_MS = 500;
/** A save writes several files (the file, a backup, a swap file): one synth for all of them. */
const EDIT_SETTLE_MS = 300;
/** A change seen this soon after a synth ended was made during it (the watcher reports it late). */
const SYNTH_TAIL_MS = 300;

/** How an edit is synthesized: the app's folder (of cdk.json) and its cdk CLI. */
interface Synth {
  readonly appDir: string;
  readonly cdk: string;
  /** What cdk.json's `watch` says of a path of the app's folder (as for `cdk watch`): whether an edit of it counts. */
  readonly watched: WatchPatterns;
}

/**
 * The app's folder and the cdk CLI a user would run there: `node_modules/.bin/cdk` of the app, else `cdk` on PATH;
 * or why an edit cannot be synthesized.
 */
function findSynth(assembly: string): Synth | { why: string } {
  const appDir = appDirOf(assembly);
  if (!appDir) return { why: `no cdk.json in or above ${assembly} or the working directory (the app's folder)` };
  const local = join(appDir, 'node_modules', '.bin', 'cdk');
  const found = [local, ...(USER_ENV.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'cdk'))].find(isFile);
  if (!found) return { why: `no cdk CLI found (node_modules/.bin/cdk in ${appDir}, or cdk on PATH) to synthesize the app` };
  return { appDir, cdk: found, watched: watchPatterns(appDir) };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** What lstat says of a path, undefined if it is gone (or cannot be read). */
function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Whether a file of the app's folder is no source of the app: the cloud assembly, installed packages, dot files and
 * folders (.git, .venv, an editor's lock files), Python's compiled files, editors' backup, swap and autosave files.
 */
function notSource(relativePath: string, assemblyPath: string): boolean {
  if (assemblyPath && (relativePath === assemblyPath || relativePath.startsWith(assemblyPath + sep))) return true;
  const names = relativePath.split(sep);
  const name = names[names.length - 1];
  return names.some((part) => part.startsWith('.') || part === 'node_modules' || part === '__pycache__')
    || /(\.pyc|~|\.sw[a-px])$/.test(name) || /^#.*#$/.test(name);
}

/**
 * Watches the sources of the app in `appDir`, a folder at a time (not node_modules, nor anything else `notSource`
 * or that cdk.json's `watch.exclude` names), and tells `onChange` the path of each file (that `watch.include` names,
 * if it has one) or folder that changes, relative to `appDir`.
 */
function watchSources(appDir: string, assembly: string, patterns: WatchPatterns, onChange: (path: string) => void): () => void {
  const inside = relative(appDir, assembly);
  const assemblyPath = inside && !inside.startsWith('..') ? inside : '';
  const skipped = (relativePath: string) => notSource(relativePath, assemblyPath) || excluded(relativePath, patterns);
  const watchers = new Map<string, FSWatcher>();
  const forget = (dir: string) => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (!name) return;
        const path = join(dir, String(name));
        const relativePath = relative(appDir, path);
        if (skipped(relativePath)) return;
        const stats = statOf(path);
        // Of a folder that is gone, its parent's watcher tells.
        if (!stats && !statOf(dir)) return;
        if (stats?.isDirectory()) add(path);
        else if (!stats) forget(path);
        if (!stats?.isDirectory() && notIncluded(relativePath, patterns)) return;
        onChange(relativePath);
      });
    } catch {
      return; // gone already, or not readable: not a folder of the app's to watch
    }
    watcher.on('error', () => forget(dir));
    watchers.set(dir, watcher);
    try {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && !skipped(relative(appDir, path))) add(path);
      }
    } catch {
      forget(dir);
    }
  };
  add(appDir);
  return () => forget(appDir);
}

/** A file's content, as a digest ('' once deleted, '/' for a folder). */
function digest(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EISDIR' ? '/' : '';
  }
}

/**
 * `cdk synth --quiet --output <assembly>` in the app's folder, as the user would run it, in a process group of its
 * own so that Ctrl-C stops the app and its bundling too. Its output is shown only when it fails.
 */
function synthesize(synth: Synth, assembly: string): Promise<{ code: number | null; output: string; interrupted: boolean; error?: string }> {
  return new Promise((resolveSynth) => {
    const child = spawn(synth.cdk, ['synth', '--quiet', '--output', assembly], {
      cwd: synth.appDir, env: USER_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let interrupted = false;
    let killer: NodeJS.Timeout | undefined;
    const signal = (name: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(process.platform === 'win32' ? child.pid : -child.pid, name);
      } catch {
        // ended already
      }
    };
    const onInterrupt = () => {
      interrupted = true;
      signal('SIGINT');
      killer = setTimeout(() => signal('SIGKILL'), 5000);
    };
    process.on('SIGINT', onInterrupt);
    const done = (code: number | null, error?: string) => {
      process.removeListener('SIGINT', onInterrupt);
      clearTimeout(killer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolveSynth({ code, output: stderr.trim() ? stderr : Buffer.concat(out).toString('utf8'), interrupted, error });
    };
    child.on('error', (error) => done(null, error.message));
    child.on('close', (code) => done(code));
  });
}

/**
 * Runs `once`, then again each time the cloud assembly `app` changes (a template or the manifest rewritten by cdk
 * synth), until interrupted. When the app's folder (of cdk.json) and a cdk CLI are found, an edit of a file of the
 * app synthesizes it into `app` first, one synth at a time (an edit during a synth makes one more after it); the
 * script runs after a synth that succeeds, and a synth that fails is shown, the watch going on. Ctrl-C while a run
 * goes on stops that run (130); while waiting or synthesizing, it ends the watch with the code of the last run.
 */
export async function watchAndRun(app: string, io: Io, once: () => Promise<number>): Promise<number> {
  const assembly = resolve(app);
  const found = findSynth(assembly);
  const synth = 'why' in found ? undefined : found;
  let interrupted = false;
  let assemblyChanged = false;
  let wake: (() => void) | undefined;
  let assemblyTimer: NodeJS.Timeout | undefined;
  let editTimer: NodeJS.Timeout | undefined;
  /** The files changed since the last synth began, each with whether all its changes came during a synth. */
  const edits = new Map<string, boolean>();
  let editsSettled = false;
  let synthesizing = false;
  let synthEnded = 0;
  /** Files' content as the last synth for them began, or as a synth left them. */
  const seen = new Map<string, string>();
  const onInterrupt = () => {
    interrupted = true;
    wake?.();
  };
  process.on('SIGINT', onInterrupt);
  const watcher = watch(assembly, (_event, name) => {
    if (!name || !/(\.template\.json|manifest\.json)$/.test(String(name))) return;
    // What a synth of ours writes is its outcome's to run, or not.
    if (synthesizing || Date.now() - synthEnded < SYNTH_TAIL_MS) return;
    clearTimeout(assemblyTimer);
    assemblyTimer = setTimeout(() => {
      assemblyChanged = true;
      wake?.();
    }, ASSEMBLY_SETTLE_MS);
  });
  const stopSources = synth ? watchSources(synth.appDir, assembly, synth.watched, (path) => {
    const duringSynth = synthesizing || Date.now() - synthEnded < SYNTH_TAIL_MS;
    edits.set(path, (edits.get(path) ?? true) && duringSynth);
    clearTimeout(editTimer);
    editTimer = setTimeout(() => {
      editsSettled = true;
      wake?.();
    }, EDIT_SETTLE_MS);
  }) : () => undefined;
  if ('why' in found) info(io, style(io, 'dim', `(--watch runs the script again after each cdk synth only: ${found.why}. Run cdk synth after each edit.)`));
  const watching = synth
    ? `Watching the app's files${synth.appDir === process.cwd() ? '' : ` in ${relativeOrAbsolute(synth.appDir)}`} for edits, and ${app} for the next cdk synth (Ctrl-C to stop)…`
    : `Watching ${app} for the next cdk synth (Ctrl-C to stop)…`;

  /**
   * The edits to synthesize. A file changed only during a synth, whose content is what it was, is not one: the
   * app's own build rewrote it (`tsc && node bin/app.js`), and synthesizing for it would synthesize forever.
   */
  const takeEdits = (appDir: string): string[] => {
    editsSettled = false;
    const changed: string[] = [];
    for (const [path, duringSynth] of edits) {
      const content = digest(join(appDir, path));
      if (!duringSynth || seen.get(path) !== content) changed.push(path);
      seen.set(path, content);
    }
    edits.clear();
    return changed;
  };

  try {
    let last = await once();
    /** Whether "Watching…" was said since the last run or synth. */
    let said = false;
    while (!interrupted) {
      if (synth && editsSettled) {
        const changed = takeEdits(synth.appDir);
        if (!changed.length) continue;
        // An editor (or sed -i) may save to a new file that it renames: the files still there are the ones to name.
        const there = changed.filter((path) => seen.get(path));
        const named = there.length ? there : changed;
        const more = named.length > 1 ? ` (and ${named.length - 1} more)` : '';
        info(io, style(io, 'dim', `\n${named[0]}${more} changed: cdk synth…`));
        synthesizing = true;
        clearTimeout(assemblyTimer);
        const result = await synthesize(synth, assembly);
        synthesizing = false;
        synthEnded = Date.now();
        said = false;
        if (result.interrupted) {
          info(io, 'Interrupted: cdk synth was stopped.');
          break;
        }
        // The script runs after a synth that succeeds, and not after one that fails, until one succeeds.
        assemblyChanged = result.code === 0;
        if (assemblyChanged) continue;
        const how = result.error ? `could not start (${result.error})` : `failed (exit code ${result.code})`;
        info(io, `${style(io, 'red', '✘')} cdk synth ${how}: the script did not run, and the watch goes on.`);
        if (result.output.trim()) {
          info(io, style(io, 'dim', '── cdk synth ──'));
          io.stderr.write(result.output.endsWith('\n') ? result.output : result.output + '\n');
          info(io, style(io, 'dim', '──'));
        }
        continue;
      }
      // Edits still settling are synthesized first: the run is theirs.
      if (assemblyChanged && !edits.size) {
        assemblyChanged = false;
        info(io, style(io, 'dim', `\n${app} changed: running again.`));
        last = await once();
        said = false;
        continue;
      }
      if (!said) info(io, style(io, 'dim', watching));
      said = true;
      await new Promise<void>((resolveWait) => { wake = resolveWait; });
      wake = undefined;
    }
    return last;
  } finally {
    watcher.close();
    stopSources();
    clearTimeout(assemblyTimer);
    clearTimeout(editTimer);
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** A folder as the user would type it from here. */
function relativeOrAbsolute(dir: string): string {
  const path = relative(process.cwd(), dir);
  return path && !path.startsWith('..') ? path : dir;
}
