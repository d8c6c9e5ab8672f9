import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import * as api from './api';

type AuthState = { status: 'loading' } | { status: 'signed_out' } | { status: 'signed_in'; me: api.Me };

interface Auth {
  state: AuthState;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [state, setState] = useState<AuthState>(() =>
    api.hasStoredSession() ? { status: 'loading' } : { status: 'signed_out' },
  );
  useEffect(() => {
    const off = api.onSignedOut(() => {
      queries.clear();
      setState({ status: 'signed_out' });
    });
    // A stored refresh token resumes the session after a reload.
    if (api.hasStoredSession()) {
      api
        .me()
        .then((me) => setState({ status: 'signed_in', me }))
        .catch(() => setState({ status: 'signed_out' }));
    }
    return () => void off();
  }, [queries]);
  const value: Auth = {
    state,
    async login(email, password) {
      const me = await api.login(email, password);
      setState({ status: 'signed_in', me });
    },
    async logout() {
      await api.logout();
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
