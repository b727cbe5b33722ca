/**
 * The container files cannot be run here (no Docker daemon): check what can be checked. Every
 * environment variable compose.yaml gives the service is one config.ts reads (zod drops unknown
 * names silently, so a typo would go unnoticed), every npm command is a script, and the
 * Dockerfile keeps its promises (multi-stage, production dependencies only, non-root, health).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_NAMES, loadConfig } from '../../src/config.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
type Service = { build?: unknown; image?: string; command?: string[] | string; environment?: Record<string, string> | string[] };
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const appServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
const envOf = (s: Service): Record<string, string> =>
  Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e) => e.split(/=(.*)/s) as [string, string])) : { ...s.environment };

describe('compose.yaml', () => {
  it('runs two API processes and two workers beside PostgreSQL and Redis', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis']));
    const roles = appServices.map(([, s]) => envOf(s).ROLE).sort();
    expect(roles).toEqual(['api', 'api', 'worker', 'worker']);
  });

  it('gives the service only environment variables config.ts reads, and values it accepts', () => {
    const accepted = ENV_NAMES;
    for (const [name, service] of appServices) {
      const env = envOf(service);
      for (const key of Object.keys(env)) expect(accepted, `${name}: ${key}`).toContain(key);
      // The values as compose would substitute them, with a JWT_SECRET given.
      const substituted = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{JWT_SECRET[^}]*\}/, 'y'.repeat(48))]));
      expect(() => loadConfig(substituted), name).not.toThrow();
      expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:/);
    }
  });

  it('runs commands that exist: npm scripts, or node on the build entry', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const [name, service] of appServices) {
      const command = typeof service.command === 'string' ? service.command.split(/\s+/) : service.command ?? [];
      if (command[0] === 'npm') expect(Object.keys(scripts), name).toContain(command[command.indexOf('run') + 1]);
      else expect(command, name).toEqual(['node', 'dist/main.js']); // the build test checks the file is built
    }
    expect(scripts.build).toBeDefined();
    expect(scripts['start:prod']).toBe('node dist/main.js');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('builds in one stage and runs the compiled build, production dependencies only, as a non-root user, with a /readyz healthcheck', () => {
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/readyz/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    // Every ENV the image sets is one config.ts reads (NODE_ENV included).
    const envBlock = /^ENV ([\s\S]*?)\n(?!\s)/m.exec(dockerfile)![1]!;
    for (const [, key] of envBlock.matchAll(/(\w+)=/g)) expect(ENV_NAMES).toContain(key);
  });
});
