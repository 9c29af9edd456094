// Dialogs an administrator uses to create and edit user accounts.
import { useState, type FormEvent } from 'react';
import { createUser, updateUser, type UserPatch } from '../../api/endpoints';
import type { Role, User } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { FormError, SelectField, TextField } from '../../components/FormField';
import { TimeZoneSelect } from '../../components/TimeZoneSelect';
import { describeProblem, NO_PROBLEM, type FormProblem } from '../../util/problem';

const USER_FIELDS = ['username', 'email', 'password', 'role', 'timezone'] as const;

interface UserDialogProps {
  onClose: () => void;
  onSaved: (user: User) => void;
}

export function CreateUserDialog({ onClose, onSaved }: UserDialogProps) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('client');
  const [timezone, setTimezone] = useState('');
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (username.includes('@')) {
      setProblem({ fields: { username: 'Usernames cannot contain @.' }, general: [] });
      return;
    }
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      onSaved(
        await createUser({
          username: username.trim(),
          email: email.trim(),
          password,
          role,
          ...(timezone ? { timezone } : {}),
        }),
      );
    } catch (error) {
      setProblem(describeProblem(error, USER_FIELDS));
      setBusy(false);
    }
  }

  return (
    <Dialog title="Add a user" onClose={onClose} testId="user-dialog">
      <form onSubmit={submit} noValidate className="dialog-form" data-testid="user-form">
        <FormError messages={problem.general} />
        <TextField label="Username" name="username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} error={problem.fields.username} required />
        <TextField label="Email" name="email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={problem.fields.email} required />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={problem.fields.password}
          required
        />
        <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={problem.fields.role}>
          <option value="client">Client</option>
          <option value="admin">Administrator</option>
        </SelectField>
        <TimeZoneSelect value={timezone} onChange={setTimezone} error={problem.fields.timezone} emptyLabel="Not set (UTC)" />
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy} data-testid="user-save">
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function EditUserDialog({ user, onClose, onSaved }: UserDialogProps & { user: User }) {
  const [email, setEmail] = useState(user.email);
  const [role, setRole] = useState<Role>(user.role);
  const [timezone, setTimezone] = useState(user.timezone ?? '');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    // Send only what changed, since an absent field stays as it is.
    const patch: UserPatch = {};
    if (email.trim() !== user.email) patch.email = email.trim();
    if (role !== user.role) patch.role = role;
    if (timezone !== (user.timezone ?? '')) patch.timezone = timezone || null;
    if (password) patch.password = password;
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      onSaved(await updateUser(user.id, patch));
    } catch (error) {
      setProblem(describeProblem(error, USER_FIELDS));
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Edit ${user.username}`} onClose={onClose} testId="user-dialog">
      <form onSubmit={submit} noValidate className="dialog-form" data-testid="user-form">
        <FormError messages={problem.general} />
        <TextField label="Email" name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={problem.fields.email} required />
        <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={problem.fields.role}>
          <option value="client">Client</option>
          <option value="admin">Administrator</option>
        </SelectField>
        <TimeZoneSelect value={timezone} onChange={setTimezone} error={problem.fields.timezone} emptyLabel="Not set (UTC)" />
        <TextField
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={problem.fields.password}
          hint="Leave empty to keep the current password. A new one signs the user out everywhere."
        />
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy} data-testid="user-save">
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
