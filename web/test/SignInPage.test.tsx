import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SignInPage } from '../src/auth/SignInPage';
import { CLIENT, json, mockFetch, problem, renderWithApp } from './helpers';

function renderSignIn() {
  return renderWithApp(<SignInPage />, { user: null, path: '/sign-in', route: '/sign-in' });
}

async function fillAndSubmit(loginName: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Username or email'), loginName);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInPage', () => {
  it('shows field errors beside their fields', async () => {
    mockFetch({
      'POST /api/auth/login': () =>
        problem(422, {
          title: 'Unprocessable Entity',
          detail: 'The request has invalid fields.',
          errors: [
            { field: 'login', message: 'Enter a username or an email.' },
            { field: 'password', message: 'Password must not be empty.' },
          ],
        }),
    });
    renderSignIn();

    await fillAndSubmit(' ', 'x');

    const loginInput = screen.getByLabelText('Username or email');
    const loginError = await screen.findByText('Enter a username or an email.');
    expect(loginError).toHaveAttribute('data-testid', 'field-error-login');
    expect(loginInput).toHaveAttribute('aria-invalid', 'true');
    expect(loginInput.getAttribute('aria-describedby')).toContain(loginError.id);
    expect(loginInput.closest('.field')).toContainElement(loginError);

    const passwordError = screen.getByTestId('field-error-password');
    expect(passwordError).toHaveTextContent('Password must not be empty.');
    expect(screen.getByLabelText('Password').closest('.field')).toContainElement(passwordError);
    // The detail is not repeated when every message found its field.
    expect(screen.queryByTestId('form-error')).not.toBeInTheDocument();
  });

  it('shows the detail when no field is named', async () => {
    mockFetch({
      'POST /api/auth/login': () => problem(401, { title: 'Unauthorized', detail: 'Invalid username or password.' }),
    });
    renderSignIn();

    await fillAndSubmit('alice', 'wrong');

    expect(await screen.findByTestId('form-error')).toHaveTextContent('Invalid username or password.');
    expect(screen.queryByTestId('field-error-login')).not.toBeInTheDocument();
  });

  it('lists errors for unknown fields above the form', async () => {
    mockFetch({
      'POST /api/auth/login': () =>
        problem(422, { title: 'Unprocessable Entity', errors: [{ field: 'captcha', message: 'Solve the captcha.' }] }),
    });
    renderSignIn();

    await fillAndSubmit('alice', 'secret');

    expect(await screen.findByTestId('form-error')).toHaveTextContent('captcha: Solve the captcha.');
  });

  it('signs in and leaves the page', async () => {
    const requests = mockFetch({
      'POST /api/auth/login': () => json({ access_token: 'jwt', token_type: 'Bearer', expires_in: 3600, user: CLIENT }),
    });
    renderSignIn();

    await fillAndSubmit('alice@example.com', 'correct horse');

    expect(await screen.findByTestId('other-route')).toBeInTheDocument();
    expect(requests[0].body).toEqual({ login: 'alice@example.com', password: 'correct horse' });
    await waitFor(() => expect(JSON.parse(localStorage.getItem('dms.session') ?? '{}').token).toBe('jwt'));
  });
});
