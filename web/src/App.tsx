// Routes of the dashboard. Every page behind sign-in is loaded on demand so
// the first download holds only React, the router and the sign-in form.
import { lazy, type ComponentType } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider, useAuth } from './auth/AuthContext';
import { PublicOnly, RequireAuth, RequireRole } from './auth/guards';
import { RegisterPage } from './auth/RegisterPage';
import { SignInPage } from './auth/SignInPage';
import { Layout } from './components/Layout';
import { ToastProvider } from './components/Toasts';
import { LiveAlertsProvider } from './features/alerts/LiveAlerts';
import { SocketProvider } from './realtime/SocketContext';

function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const MyDevicesPage = lazyPage(() => import('./features/devices/MyDevicesPage'), 'MyDevicesPage');
const AdminDevicesPage = lazyPage(() => import('./features/devices/AdminDevicesPage'), 'AdminDevicesPage');
const DeviceConsumptionPage = lazyPage(
  () => import('./features/consumption/DeviceConsumptionPage'),
  'DeviceConsumptionPage',
);
const AlertsPage = lazyPage(() => import('./features/alerts/AlertsPage'), 'AlertsPage');
const UsersPage = lazyPage(() => import('./features/users/UsersPage'), 'UsersPage');
const SupportPage = lazyPage(() => import('./features/chat/SupportPage'), 'SupportPage');
const InboxPage = lazyPage(() => import('./features/chat/InboxPage'), 'InboxPage');
const ProfilePage = lazyPage(() => import('./features/profile/ProfilePage'), 'ProfilePage');

function DevicesRoute() {
  const { user } = useAuth();
  return user?.role === 'admin' ? <AdminDevicesPage /> : <MyDevicesPage />;
}

function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>The address does not match any page of the dashboard.</p>
    </section>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route
        path="/sign-in"
        element={
          <PublicOnly>
            <SignInPage />
          </PublicOnly>
        }
      />
      <Route
        path="/register"
        element={
          <PublicOnly>
            <RegisterPage />
          </PublicOnly>
        }
      />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/devices" replace />} />
        <Route path="devices" element={<DevicesRoute />} />
        <Route path="devices/:deviceId" element={<DeviceConsumptionPage />} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route
          path="support"
          element={
            <RequireRole role="client">
              <SupportPage />
            </RequireRole>
          }
        />
        <Route
          path="users"
          element={
            <RequireRole role="admin">
              <UsersPage />
            </RequireRole>
          }
        />
        <Route
          path="inbox/:sessionId?"
          element={
            <RequireRole role="admin">
              <InboxPage />
            </RequireRole>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <ToastProvider>
          <SocketProvider>
            <LiveAlertsProvider>
              <AppRoutes />
            </LiveAlertsProvider>
          </SocketProvider>
        </ToastProvider>
      </AuthProvider>
    </BrowserRouter>
  );
}
