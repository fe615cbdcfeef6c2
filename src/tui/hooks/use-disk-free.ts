// Free space of the data dir (the console runs on the master machine, so it can ask the kernel).
import { statfs } from 'node:fs/promises';
import { useEffect, useState } from 'react';

/** Bytes available to unprivileged writers, or undefined while unknown / not reachable from here. */
export function useDiskFree(path: string | undefined, everyMs = 10_000): number | undefined {
  const [free, setFree] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (!path) return;
    let alive = true;
    const probe = () => {
      statfs(path).then(
        (s) => alive && setFree(s.bavail * s.bsize),
        () => alive && setFree(undefined),
      );
    };
    probe();
    const timer = setInterval(probe, everyMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [path, everyMs]);
  return free;
}
