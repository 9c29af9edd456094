// Page frame for signed-in users: skip link, role-based navigation that
// folds into a menu button on narrow screens, and sign-out.
import { Suspense, useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { useSocket } from '../realtime/SocketContext';
import { Loading } from './States';

interface NavItem {
  to: string;
  label: string;
  testId: string;
}

const ADMIN_NAV: NavItem[] = [
  { to: '/devices', label: 'Devices', testId: 'nav-devices' },
  { to: '/users', label: 'Users', testId: 'nav-users' },
  { to: '/alerts', label: 'Alerts', testId: 'nav-alerts' },
  { to: '/inbox', label: 'Support inbox', testId: 'nav-inbox' },
  { to: '/profile', label: 'Profile', testId: 'nav-profile' },
];

const CLIENT_NAV: NavItem[] = [
  { to: '/devices', label: 'My devices', testId: 'nav-devices' },
  { to: '/alerts', label: 'Alerts', testId: 'nav-alerts' },
  { to: '/support', label: 'Support', testId: 'nav-support' },
  { to: '/profile', label: 'Profile', testId: 'nav-profile' },
];

const SOCKET_STATUS_LABEL = {
  idle: 'Live updates off',
  connecting: 'Connecting to live updates…',
  connected: 'Live updates on',
  disconnected: 'Live updates disconnected, retrying',
} as const;

export function Layout() {
  const { user, signOut } = useAuth();
  const { status } = useSocket();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => setMenuOpen(false), [location.pathname]);

  const items = user?.role === 'admin' ? ADMIN_NAV : CLIENT_NAV;

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">DMS</span>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
          data-testid="menu-button"
        >
          Menu
        </button>
        <nav id="main-nav" className={menuOpen ? 'main-nav open' : 'main-nav'} aria-label="Main">
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} data-testid={item.testId}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
          <div className="user-box">
            <span className={`live-dot live-${status}`} title={SOCKET_STATUS_LABEL[status]} data-testid="socket-status" data-status={status}>
              <span className="visually-hidden">{SOCKET_STATUS_LABEL[status]}</span>
            </span>
            <span data-testid="current-user">
              {user?.username} <small>({user?.role})</small>
            </span>
            <button type="button" className="button secondary" onClick={() => signOut('signed-out')} data-testid="sign-out">
              Sign out
            </button>
          </div>
        </nav>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
