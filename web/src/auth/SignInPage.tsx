import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { login } from '../api/endpoints';
import { FormError, TextField } from '../components/FormField';
import { describeProblem, NO_PROBLEM, type FormProblem } from '../util/problem';
import { useAuth } from './AuthContext';

const FIELDS = ['login', 'password'] as const;

export function SignInPage() {
  const { signIn, signOutReason } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [loginName, setLoginName] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      const token = await login(loginName.trim(), password);
      signIn(token);
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/sign-in' ? from : '/', { replace: true });
    } catch (error) {
      setProblem(describeProblem(error, FIELDS));
      setBusy(false);
    }
  }

  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate data-testid="sign-in-form" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to DMS</h1>
        {signOutReason === 'expired' && (
          <p className="notice" role="status" data-testid="session-expired">
            Your session has expired. Sign in again.
          </p>
        )}
        <FormError messages={problem.general} />
        <TextField
          label="Username or email"
          name="login"
          autoComplete="username"
          value={loginName}
          onChange={(event) => setLoginName(event.target.value)}
          error={problem.fields.login}
          required
          data-testid="sign-in-login"
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={problem.fields.password}
          required
          data-testid="sign-in-password"
        />
        <button type="submit" className="button" disabled={busy} data-testid="sign-in-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p>
          No account yet? <Link to="/register">Create one</Link>
        </p>
      </form>
    </main>
  );
}
