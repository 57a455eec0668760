"use client";

// The current user id, shared by all pages and kept in localStorage.
// The server render cannot see localStorage, so pages wait for `ready` before
// loading user data; otherwise they would fetch once as the default user first.

import { createContext, useCallback, useContext, useEffect, useState } from "react";

export const DEFAULT_USER = "demo-user";
const STORAGE_KEY = "stock-analyst.user-id";
// Same rule the backend applies to X-User-Id.
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

interface UserContextValue {
  /** What is typed in the header box. */
  input: string;
  /** The id sent to the backend: the input when valid, else the default. */
  user: string;
  valid: boolean;
  ready: boolean;
  setInput: (value: string) => void;
}

const UserContext = createContext<UserContextValue>({
  input: DEFAULT_USER,
  user: DEFAULT_USER,
  valid: true,
  ready: false,
  setInput: () => undefined,
});

export function UserProvider({ children }: { children: React.ReactNode }) {
  const [input, setInputState] = useState(DEFAULT_USER);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    try {
      const stored = window.localStorage.getItem(STORAGE_KEY);
      if (stored) setInputState(stored);
    } catch {
      // Storage may be disabled; the default user still works.
    }
    setReady(true);
  }, []);

  const setInput = useCallback((value: string) => {
    setInputState(value);
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch {
      // Ignore: the value still applies to this tab.
    }
  }, []);

  const trimmed = input.trim();
  const valid = USER_ID_PATTERN.test(trimmed);
  const user = valid ? trimmed : DEFAULT_USER;

  return (
    <UserContext.Provider value={{ input, user, valid, ready, setInput }}>{children}</UserContext.Provider>
  );
}

export function useUser(): UserContextValue {
  return useContext(UserContext);
}
