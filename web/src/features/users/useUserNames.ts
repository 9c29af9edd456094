import { fetchUser } from '../../api/endpoints';
import { useNameLookup, type NameCache } from '../../util/useNameLookup';

// Usernames never change, so one lookup per id serves the whole page load.
const usernameCache: NameCache = new Map();
const fetchUsername = (id: string) => fetchUser(id).then((user) => user.username);

/** Usernames for the given ids. Admin only, as it reads /api/users/{id}. */
export function useUserNames(ids: readonly (string | null | undefined)[]): Record<string, string> {
  return useNameLookup(ids, usernameCache, fetchUsername, 'user');
}
