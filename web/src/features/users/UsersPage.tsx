// Administrator's user list: search, role filter, pages, and create, edit,
// change role and delete.
import { useState } from 'react';
import { listUsers, updateUser, deleteUser } from '../../api/endpoints';
import type { Role, User } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { ConfirmDialog } from '../../components/Dialog';
import { Pagination } from '../../components/Pagination';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useToast } from '../../components/Toasts';
import { formatDateTime } from '../../util/time';
import { useAsync, useDebouncedValue } from '../../util/useAsync';
import { CreateUserDialog, EditUserDialog } from './UserDialogs';

const PER_PAGE = 20;
const SEARCH_DELAY_MS = 300;

type OpenDialog =
  | { kind: 'create' }
  | { kind: 'edit'; user: User }
  | { kind: 'role'; user: User; role: Role }
  | { kind: 'delete'; user: User }
  | null;

export function UsersPage() {
  const { user: me } = useAuth();
  const { showToast } = useToast();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const query = useDebouncedValue(search.trim(), SEARCH_DELAY_MS);

  const users = useAsync((signal) => listUsers({ q: query, role, page, per_page: PER_PAGE }, signal), [query, role, page]);

  function finish(message: string) {
    setDialog(null);
    showToast({ kind: 'success', title: message, durationMs: 4_000 });
    users.reload();
  }

  return (
    <section className="page" aria-labelledby="users-title">
      <div className="page-header">
        <h1 id="users-title">Users</h1>
        <button type="button" className="button" onClick={() => setDialog({ kind: 'create' })} data-testid="add-user">
          Add user
        </button>
      </div>

      <form className="toolbar filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label className="inline-field">
          Search
          <input
            type="search"
            value={search}
            placeholder="Username or email"
            onChange={(event) => {
              setSearch(event.target.value);
              setPage(1);
            }}
            data-testid="user-search"
          />
        </label>
        <label className="inline-field">
          Role
          <select
            value={role}
            onChange={(event) => {
              setRole(event.target.value as Role | '');
              setPage(1);
            }}
            data-testid="user-role-filter"
          >
            <option value="">All roles</option>
            <option value="client">Clients</option>
            <option value="admin">Administrators</option>
          </select>
        </label>
      </form>

      {users.error ? (
        <ErrorState error={users.error} onRetry={users.reload} />
      ) : !users.data ? (
        <Loading label="Loading users…" />
      ) : users.data.items.length === 0 ? (
        <EmptyState>{query || role ? 'No user matches these filters.' : 'No users yet.'}</EmptyState>
      ) : (
        <div className="table-scroll" aria-busy={users.loading}>
          <table className="data-table" data-testid="user-table">
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Time zone</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => {
                const isMe = user.id === me?.id;
                const otherRole: Role = user.role === 'admin' ? 'client' : 'admin';
                return (
                  <tr key={user.id} data-testid="user-row" data-user-id={user.id}>
                    <th scope="row" data-label="Username">
                      {user.username} {isMe && <small className="muted">(you)</small>}
                    </th>
                    <td data-label="Email">{user.email}</td>
                    <td data-label="Role" data-testid="user-role">
                      {user.role === 'admin' ? 'Administrator' : 'Client'}
                    </td>
                    <td data-label="Time zone">{user.timezone ?? '—'}</td>
                    <td data-label="Created">{formatDateTime(user.created_at)}</td>
                    <td>
                      <div className="row-actions">
                        <button type="button" className="button secondary small" onClick={() => setDialog({ kind: 'edit', user })}>
                          Edit<span className="visually-hidden"> {user.username}</span>
                        </button>
                        <button
                          type="button"
                          className="button secondary small"
                          onClick={() => setDialog({ kind: 'role', user, role: otherRole })}
                          disabled={isMe}
                          title={isMe ? 'Another administrator must change your role.' : undefined}
                          data-testid="change-role"
                        >
                          {otherRole === 'admin' ? 'Make administrator' : 'Make client'}
                          <span className="visually-hidden"> {user.username}</span>
                        </button>
                        <button
                          type="button"
                          className="button danger small"
                          onClick={() => setDialog({ kind: 'delete', user })}
                          disabled={isMe}
                          title={isMe ? 'You cannot delete your own account here.' : undefined}
                          data-testid="delete-user"
                        >
                          Delete<span className="visually-hidden"> {user.username}</span>
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {users.data && <Pagination page={page} perPage={PER_PAGE} total={users.data.total} onChange={setPage} label="User pages" />}

      {dialog?.kind === 'create' && (
        <CreateUserDialog onClose={() => setDialog(null)} onSaved={(user) => finish(`${user.username} added`)} />
      )}
      {dialog?.kind === 'edit' && (
        <EditUserDialog user={dialog.user} onClose={() => setDialog(null)} onSaved={(user) => finish(`${user.username} saved`)} />
      )}
      {dialog?.kind === 'role' && (
        <ConfirmDialog
          title={`Change the role of ${dialog.user.username}?`}
          message={
            <p>
              {dialog.role === 'admin'
                ? `${dialog.user.username} will be able to manage every user, device and support chat.`
                : `${dialog.user.username} will keep access only to their own devices and chats.`}{' '}
              The change takes effect at once.
            </p>
          }
          confirmLabel={dialog.role === 'admin' ? 'Make administrator' : 'Make client'}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            const updated = await updateUser(dialog.user.id, { role: dialog.role });
            finish(`${updated.username} is now ${updated.role === 'admin' ? 'an administrator' : 'a client'}`);
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${dialog.user.username}?`}
          message={<p>The account can no longer sign in and leaves every list. Its history is kept.</p>}
          confirmLabel="Delete user"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await deleteUser(dialog.user.id);
            finish(`${dialog.user.username} deleted`);
          }}
        />
      )}
    </section>
  );
}
