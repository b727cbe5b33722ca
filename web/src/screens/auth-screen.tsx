import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useConsole } from '../app';
import { ConsoleLoginDocument, ConsoleSignUpDocument } from '../generated/graphql';
import { plainMessage } from '../lib/errors';
import { onLinkClick } from '../lib/router';

/** Sign in, or sign up (which creates the firm and its first user). */
export function AuthScreen({ mode }: { mode: 'sign-in' | 'sign-up' }) {
  const { signIn } = useConsole();
  const [login] = useMutation(ConsoleLoginDocument);
  const [signUp] = useMutation(ConsoleSignUpDocument);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '');
    setBusy(true);
    setError(null);
    try {
      if (mode === 'sign-up') {
        const { data } = await signUp({
          variables: { input: { firmName: field('firmName'), name: field('name'), email: field('email'), password: field('password') } },
        });
        if (data) signIn(data.signUp);
      } else {
        const { data } = await login({ variables: { email: field('email'), password: field('password') } });
        if (data) signIn(data.login);
      }
    } catch (err) {
      setError(plainMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow" aria-labelledby="auth-title">
      <h1 id="auth-title">{mode === 'sign-up' ? 'Create your firm’s account' : 'Sign in'}</h1>
      <form onSubmit={submit}>
        {mode === 'sign-up' && (
          <>
            <label>
              Firm name
              <input name="firmName" required autoComplete="organization" />
            </label>
            <label>
              Your name
              <input name="name" required autoComplete="name" />
            </label>
          </>
        )}
        <label>
          Email
          <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            required
            minLength={mode === 'sign-up' ? 8 : undefined}
            autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'sign-up' ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p>
        {mode === 'sign-up' ? (
          <>
            Already have an account?{' '}
            <a href="/sign-in" onClick={onLinkClick}>
              Sign in
            </a>
          </>
        ) : (
          <>
            New here?{' '}
            <a href="/sign-up" onClick={onLinkClick}>
              Create an account
            </a>
          </>
        )}
      </p>
    </section>
  );
}
