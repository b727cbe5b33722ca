import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * `profile:start` / `profile:stop` IPC handlers: a CPU profile of this process's main thread
 * over a window, written as `.cpuprofile` (sampled every 200 µs). The service's probe and the
 * raw-ws baseline serve the same two, so their windows can be compared.
 */
export function profileHandlers() {
  let session: Session | null = null;
  return {
    'profile:start': async () => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return true;
    },
    'profile:stop': async ({ file }: { file: string }) => {
      if (!session) return false;
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = null;
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}
