import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { register } from '../api/endpoints';
import { FormError, TextField } from '../components/FormField';
import { describeProblem, NO_PROBLEM, type FormProblem } from '../util/problem';
import { useAuth } from './AuthContext';

const FIELDS = ['username', 'email', 'password', 'confirm_password'] as const;

export function RegisterPage() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirmPassword, setConfirmPassword] = useState('');
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const localErrors = validate(username, password, confirmPassword);
    if (Object.keys(localErrors).length > 0) {
      setProblem({ fields: localErrors, general: [] });
      return;
    }
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      signIn(await register({ username: username.trim(), email: email.trim(), password }));
      navigate('/', { replace: true });
    } catch (error) {
      setProblem(describeProblem(error, FIELDS));
      setBusy(false);
    }
  }

  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate data-testid="register-form" aria-labelledby="register-title">
        <h1 id="register-title">Create a DMS account</h1>
        <FormError messages={problem.general} />
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          error={problem.fields.username}
          hint="Letters, digits and symbols, but no @."
          required
        />
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
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={problem.fields.password}
          required
        />
        <TextField
          label="Repeat password"
          name="confirm_password"
          type="password"
          autoComplete="new-password"
          value={confirmPassword}
          onChange={(event) => setConfirmPassword(event.target.value)}
          error={problem.fields.confirm_password}
          required
        />
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
        <p>
          Already registered? <Link to="/sign-in">Sign in</Link>
        </p>
      </form>
    </main>
  );
}

/** Checks that need no server; the server still validates every field. */
function validate(username: string, password: string, confirmPassword: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (username.includes('@')) errors.username = 'Usernames cannot contain @.';
  if (password !== confirmPassword) errors.confirm_password = 'The passwords do not match.';
  return errors;
}
