/**
 * Compiles every `contracts/*.sol` with the npm `solc` package (solcjs, wasm) into
 * `artifacts/<ContractName>.json`; a benchmark adds its own folder (bench/contracts/) and artifact
 * directory, so contracts only it deploys stay out of the platform's. Hardhat's own compile task would download a native solc,
 * which cannot work offline; solcjs ships the compiler inside the package.
 *
 * Run as a script: `node scripts/compile-contracts.ts`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InterfaceAbi } from 'ethers';
import type { ContractArtifact } from '#shared/chain/contracts.ts';

/** Artifacts are consumed through shared/chain/contracts.ts; one definition of their shape. */
export type Artifact = ContractArtifact;

export class ContractCompilationError extends Error {
  readonly diagnostics: readonly string[];
  constructor(message: string, diagnostics: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractCompilationError';
    this.diagnostics = diagnostics;
  }
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The platform's contracts; the default and only source folder outside benchmarks. */
const CONTRACTS_DIR = 'contracts';
export const artifactsDir = path.join(repoRoot, 'artifacts');
const MANIFEST_NAME = '.manifest.json';
const OPENZEPPELIN_PREFIX = '@openzeppelin/contracts/';

/**
 * `cancun` is pinned, not left to solc's default: OpenZeppelin >= 5.5 emits MCOPY (EIP-5656,
 * Cancun), and the production chain (a private Besu network) runs only the forks its genesis
 * enables (`cancunTime`). Bytecode for a newer fork would deploy locally and fail there. Raise this
 * only together with the production genesis; the local chain is pinned to the same hardfork.
 */
export const EVM_VERSION = 'cancun';
const compilerSettings = {
  evmVersion: EVM_VERSION,
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

interface Manifest {
  readonly sourceHash: string;
  readonly contractNames: readonly string[];
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage?: string; message: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      { abi: InterfaceAbi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

const requireFromHere = createRequire(import.meta.url);

function packageVersion(packageName: string): string {
  const manifest = requireFromHere(`${packageName}/package.json`) as { version: string };
  return manifest.version;
}

/** Every `.sol` of each folder (repository-relative), named by its path from the repository. */
async function readSources(sourceDirs: readonly string[]): Promise<Record<string, { content: string }>> {
  const sources: Record<string, { content: string }> = {};
  for (const dir of sourceDirs) {
    const fileNames = (await readdir(path.join(repoRoot, dir)))
      .filter((name) => name.endsWith('.sol'))
      .sort();
    for (const fileName of fileNames) {
      sources[`${dir}/${fileName}`] = { content: await readFile(path.join(repoRoot, dir, fileName), 'utf8') };
    }
  }
  return sources;
}

/**
 * Covers our sources, the settings and the versions of solc and OpenZeppelin (the only
 * imports we allow), without loading the compiler: solcjs takes seconds to load.
 */
function hashInputs(sources: Record<string, { content: string }>): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({ solc: packageVersion('solc'), oz: packageVersion('@openzeppelin/contracts') }),
  );
  hash.update(JSON.stringify(compilerSettings));
  for (const [sourceName, { content }] of Object.entries(sources)) {
    hash.update(`\0${sourceName}\0${content}`);
  }
  return hash.digest('hex');
}

async function readJsonIfPresent<T>(filePath: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(filePath, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function loadCurrentArtifacts(
  outDir: string,
  sourceHash: string,
): Promise<Record<string, Artifact> | undefined> {
  const manifest = await readJsonIfPresent<Manifest>(path.join(outDir, MANIFEST_NAME));
  if (manifest?.sourceHash !== sourceHash) return undefined;
  const artifacts: Record<string, Artifact> = {};
  for (const name of manifest.contractNames) {
    const artifact = await readJsonIfPresent<Artifact>(path.join(outDir, `${name}.json`));
    if (artifact?.sourceHash !== sourceHash) return undefined;
    artifacts[name] = artifact;
  }
  return artifacts;
}

/** Only OpenZeppelin and the folders being compiled may be imported; nothing escapes them. */
function resolveImport(
  sourceDirs: readonly string[],
  importPath: string,
): { contents: string } | { error: string } {
  const normalized = path.posix.normalize(importPath);
  if (normalized.split('/').includes('..')) return { error: `Import escapes its package: ${importPath}` };
  let filePath: string;
  if (normalized.startsWith(OPENZEPPELIN_PREFIX)) {
    const packageRoot = path.dirname(requireFromHere.resolve('@openzeppelin/contracts/package.json'));
    filePath = path.join(packageRoot, normalized.slice(OPENZEPPELIN_PREFIX.length));
  } else if (sourceDirs.some((dir) => normalized.startsWith(`${dir}/`))) {
    filePath = path.join(repoRoot, normalized);
  } else {
    return {
      error: `Import not allowed: ${importPath} (only @openzeppelin/contracts and ${sourceDirs.join(', ')})`,
    };
  }
  try {
    // solc's import callback is synchronous by contract.
    return { contents: readFileSync(filePath, 'utf8') };
  } catch (err) {
    return { error: `Cannot read ${importPath}: ${(err as Error).message}` };
  }
}

/** Writes to a temporary name then renames, so a parallel reader never sees half a file. */
async function writeFileAtomically(filePath: string, contents: string): Promise<void> {
  const temporaryPath = `${filePath}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporaryPath, contents);
  await rename(temporaryPath, filePath);
}

function hexWithPrefix(hex: string): string {
  return `0x${hex}`;
}

async function runSolc(
  sources: Record<string, { content: string }>,
  sourceDirs: readonly string[],
): Promise<SolcOutput> {
  const { default: solc } = await import('solc');
  const input = { language: 'Solidity', sources, settings: compilerSettings };
  const rawOutput = solc.compile(JSON.stringify(input), {
    import: (importPath: string) => resolveImport(sourceDirs, importPath),
  }) as string;
  return JSON.parse(rawOutput) as SolcOutput;
}

export interface CompileOptions {
  /** Receives compiler warnings and progress lines. */
  readonly log?: (line: string) => void;
  /** Recompile even when the artifacts match the sources. */
  readonly force?: boolean;
  /**
   * Folders of `.sol` sources, relative to the repository; `contracts/` by default. A benchmark
   * adds its own (bench/contracts/) and writes to its own `artifactsDir`, so the platform's
   * artifacts are neither rebuilt nor joined by contracts it never deploys.
   */
  readonly sourceDirs?: readonly string[];
  /** Where artifacts and their manifest go; `artifacts/` by default. */
  readonly artifactsDir?: string;
}

/** Compiles the sources unless the artifact directory already matches them; returns artifacts by contract name. */
export async function compileContracts(options: CompileOptions = {}): Promise<Record<string, Artifact>> {
  const log = options.log ?? (() => {});
  const sourceDirs = options.sourceDirs ?? [CONTRACTS_DIR];
  const outDir = options.artifactsDir ?? artifactsDir;
  const sources = await readSources(sourceDirs);
  if (Object.keys(sources).length === 0) {
    throw new ContractCompilationError(`No .sol found in ${sourceDirs.join(', ')}`, []);
  }
  const sourceHash = hashInputs(sources);
  if (options.force !== true) {
    const current = await loadCurrentArtifacts(outDir, sourceHash);
    if (current !== undefined) return current;
  }

  const startedAt = performance.now();
  const output = await runSolc(sources, sourceDirs);
  const diagnostics = output.errors ?? [];
  const errors = diagnostics.filter((entry) => entry.severity === 'error');
  const messages = (entries: typeof diagnostics) => entries.map((e) => e.formattedMessage ?? e.message);
  if (errors.length > 0) {
    throw new ContractCompilationError(
      `Solidity compilation failed with ${errors.length} error(s):\n${messages(errors).join('\n')}`,
      messages(errors),
    );
  }
  for (const warning of messages(diagnostics)) log(warning);

  const artifacts: Record<string, Artifact> = {};
  for (const sourceName of Object.keys(sources)) {
    for (const [contractName, contract] of Object.entries(output.contracts?.[sourceName] ?? {})) {
      if (artifacts[contractName] !== undefined) {
        throw new ContractCompilationError(
          `Two contracts are named ${contractName}; artifact names must be unique`,
          [],
        );
      }
      artifacts[contractName] = {
        contractName,
        sourceName,
        abi: contract.abi,
        bytecode: hexWithPrefix(contract.evm.bytecode.object),
        deployedBytecode: hexWithPrefix(contract.evm.deployedBytecode.object),
        sourceHash,
      };
    }
  }

  await mkdir(outDir, { recursive: true });
  for (const artifact of Object.values(artifacts)) {
    await writeFileAtomically(
      path.join(outDir, `${artifact.contractName}.json`),
      `${JSON.stringify(artifact, null, 2)}\n`,
    );
  }
  // The manifest goes last: it is what marks the set of artifacts as complete.
  const manifest: Manifest = { sourceHash, contractNames: Object.keys(artifacts).sort() };
  await writeFileAtomically(path.join(outDir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`Compiled ${manifest.contractNames.join(', ')} in ${Math.round(performance.now() - startedAt)} ms`);
  return artifacts;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  compileContracts({ force, log: (line) => console.log(line) }).then(
    (artifacts) => console.log(`Artifacts current: ${Object.keys(artifacts).join(', ')}`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
