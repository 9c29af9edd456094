// The signed-in user's own account: email, time zone and password.
import { useState, type FormEvent } from 'react';
import { changePassword, fetchMyProfile, updateMyProfile } from '../../api/endpoints';
import type { User } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { FormError, TextField } from '../../components/FormField';
import { ErrorState, Loading } from '../../components/States';
import { TimeZoneSelect } from '../../components/TimeZoneSelect';
import { describeProblem, NO_PROBLEM, type FormProblem } from '../../util/problem';
import { browserTimeZone } from '../../util/time';
import { useAsync } from '../../util/useAsync';

export function ProfilePage() {
  const profile = useAsync((signal) => fetchMyProfile(signal), []);
  return (
    <section className="page narrow" aria-labelledby="profile-title">
      <h1 id="profile-title">Profile</h1>
      {profile.error ? (
        <ErrorState error={profile.error} onRetry={profile.reload} />
      ) : !profile.data ? (
        <Loading label="Loading your profile…" />
      ) : (
        <>
          <p>
            Signed in as <strong>{profile.data.username}</strong> ({profile.data.role === 'admin' ? 'administrator' : 'client'}).
          </p>
          <ProfileForm user={profile.data} onSaved={(user) => profile.setData(() => user)} />
          <PasswordForm />
        </>
      )}
    </section>
  );
}

function ProfileForm({ user, onSaved }: { user: User; onSaved: (user: User) => void }) {
  const { replaceUser } = useAuth();
  const [email, setEmail] = useState(user.email);
  const [timezone, setTimezone] = useState(user.timezone ?? '');
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    setProblem(NO_PROBLEM);
    try {
      const updated = await updateMyProfile({ email: email.trim(), timezone: timezone || null });
      replaceUser(updated);
      onSaved(updated);
      setSaved(true);
    } catch (error) {
      setProblem(describeProblem(error, ['email', 'timezone']));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="account-title" data-testid="profile-form">
      <h2 id="account-title">Account</h2>
      <FormError messages={problem.general} />
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={problem.fields.email}
        required
      />
      <TimeZoneSelect
        value={timezone}
        onChange={setTimezone}
        error={problem.fields.timezone}
        emptyLabel={`Not set (this browser uses ${browserTimeZone()})`}
      />
      <p className="field-hint">Consumption views start in this zone.</p>
      <button type="submit" className="button" disabled={busy} data-testid="profile-save">
        {busy ? 'Saving…' : 'Save'}
      </button>
      {saved && (
        <p className="success" role="status">
          Saved.
        </p>
      )}
    </form>
  );
}

function PasswordForm() {
  const { user, signIn } = useAuth();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeatPassword, setRepeatPassword] = useState('');
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);
  const [changed, setChanged] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setChanged(false);
    if (newPassword !== repeatPassword) {
      setProblem({ fields: { repeat_password: 'The new passwords do not match.' }, general: [] });
      return;
    }
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      const result = await changePassword(currentPassword, newPassword);
      // A server that revokes old tokens on a password change sends a new one.
      if (result?.access_token && result.expires_in && user) {
        signIn({ access_token: result.access_token, token_type: 'Bearer', expires_in: result.expires_in, user: result.user ?? user });
      }
      setCurrentPassword('');
      setNewPassword('');
      setRepeatPassword('');
      setChanged(true);
    } catch (error) {
      setProblem(describeProblem(error, ['current_password', 'new_password', 'repeat_password']));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="password-title" data-testid="password-form">
      <h2 id="password-title">Password</h2>
      <FormError messages={problem.general} />
      <TextField
        label="Current password"
        name="current_password"
        type="password"
        autoComplete="current-password"
        value={currentPassword}
        onChange={(event) => setCurrentPassword(event.target.value)}
        error={problem.fields.current_password}
        required
      />
      <TextField
        label="New password"
        name="new_password"
        type="password"
        autoComplete="new-password"
        value={newPassword}
        onChange={(event) => setNewPassword(event.target.value)}
        error={problem.fields.new_password}
        required
      />
      <TextField
        label="Repeat the new password"
        name="repeat_password"
        type="password"
        autoComplete="new-password"
        value={repeatPassword}
        onChange={(event) => setRepeatPassword(event.target.value)}
        error={problem.fields.repeat_password}
        required
      />
      <button type="submit" className="button" disabled={busy} data-testid="password-save">
        {busy ? 'Changing…' : 'Change password'}
      </button>
      {changed && (
        <p className="success" role="status">
          Password changed.
        </p>
      )}
    </form>
  );
}
