import { useEffect, useState } from 'react';

export type NameCache = Map<string, Promise<string>>;

function lookUp(cache: NameCache, id: string, fetchName: (id: string) => Promise<string>, fallback: string): Promise<string> {
  let pending = cache.get(id);
  if (!pending) {
    pending = fetchName(id).catch(() => {
      // A deleted or hidden record shows by id; a later render tries again.
      cache.delete(id);
      return `${fallback} ${id.slice(0, 8)}`;
    });
    cache.set(id, pending);
  }
  return pending;
}

/**
 * Names for the given ids, filled in as lookups finish. Each id is fetched
 * once per page load through `cache`.
 */
export function useNameLookup(
  ids: readonly (string | null | undefined)[],
  cache: NameCache,
  fetchName: (id: string) => Promise<string>,
  fallback: string,
): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = [...new Set(ids.filter((id): id is string => !!id))].sort().join(',');

  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    for (const id of key.split(',')) {
      void lookUp(cache, id, fetchName, fallback).then((name) => {
        if (!cancelled) setNames((current) => (current[id] === name ? current : { ...current, [id]: name }));
      });
    }
    return () => {
      cancelled = true;
    };
  }, [key, cache, fetchName, fallback]);

  return names;
}
