/** The signed-in person: token and who they are, kept in localStorage so tabs share it. */
export interface Session {
  token: string;
  user: { id: string; email: string; name: string; firm: { id: string; name: string } };
}

const KEY = 'cma-console.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    return tokenExpiresAt(session.token) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** The token's `exp` in epoch milliseconds (0 when unreadable): the console signs out then. */
export function tokenExpiresAt(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return (payload.exp ?? 0) * 1000;
  } catch {
    return 0;
  }
}
