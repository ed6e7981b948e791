import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * No Docker daemon runs here, so the live ingest image is held to its Dockerfile's text: the
 * transcoder's base, Debian's nginx-rtmp and ffmpeg, the bundled agent, a non-root user and an
 * exec-form entrypoint (SIGTERM must reach node, which drains the streams).
 */
const read = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

/** Instructions with their continuation lines joined and comments dropped. */
function instructions(dockerfile: string): { op: string; args: string }[] {
  const logical = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return logical.map((line) => {
    const space = line.indexOf(' ');
    return { op: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
  });
}

describe('workers/live-ingest/Dockerfile', () => {
  const steps = instructions(read('workers/live-ingest/Dockerfile'));
  const final = steps.slice(steps.map((step) => step.op).lastIndexOf('FROM'));

  it('builds on the transcoder image’s base and installs Debian’s nginx-rtmp, stream module and ffmpeg', () => {
    const transcoderBases = instructions(read('workers/transcoder/Dockerfile'))
      .filter((step) => step.op === 'FROM')
      .map((step) => step.args);
    const bases = steps.filter((step) => step.op === 'FROM').map((step) => step.args);
    expect(bases).toEqual(transcoderBases);
    expect(bases.at(-1)).toBe('node:22-bookworm-slim');
    const install = final.find((step) => step.op === 'RUN' && step.args.includes('apt-get install'));
    for (const name of ['nginx-light', 'libnginx-mod-rtmp', 'libnginx-mod-stream', 'ffmpeg']) {
      expect(install?.args.split(/\s+/), name).toContain(name);
    }
    expect(install?.args).toContain('--no-install-recommends');
    expect(install?.args).toContain('rm -rf /var/lib/apt/lists/*');
  });

  it('runs the bundled agent as a non-root user, with SIGTERM going straight to node', () => {
    const ops = final.map((step) => step.op);
    const user = final.filter((step) => step.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['0', 'root']).not.toContain(user);
    expect(ops.lastIndexOf('USER')).toBeLessThan(ops.indexOf('ENTRYPOINT'));
    expect(final.find((step) => step.op === 'COPY')?.args).toBe('--from=build /src/dist/live-ingest/ ./');
    expect(JSON.parse(final.find((step) => step.op === 'ENTRYPOINT')?.args ?? 'null')).toEqual([
      'node',
      'main.js',
    ]);
    expect(final.find((step) => step.op === 'ENV')?.args).toBe('WORK_DIR=/scratch');
  });

  it('listens only above 1024, where Terraform points the load balancer', () => {
    const exposed = final
      .filter((step) => step.op === 'EXPOSE')
      .flatMap((step) => step.args.split(/\s+/).map(Number));
    expect(exposed.sort()).toEqual([1935, 1936, 8084]);
    const main = read('infra/oci/main.tf');
    for (const port of exposed) expect(main).toMatch(new RegExp(`_backend\\s*=\\s*${port}\\b`));
  });
});
