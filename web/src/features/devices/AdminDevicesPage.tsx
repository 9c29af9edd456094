// Administrator's device list: create, edit, delete, assign an owner, and
// open any device's consumption.
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { deleteDevice, listDevices } from '../../api/endpoints';
import type { Device } from '../../api/types';
import { ConfirmDialog } from '../../components/Dialog';
import { Pagination } from '../../components/Pagination';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useToast } from '../../components/Toasts';
import { formatKwh } from '../../util/time';
import { useAsync } from '../../util/useAsync';
import { useUserNames } from '../users/useUserNames';
import { AssignOwnerDialog, DeviceFormDialog } from './DeviceDialogs';
import { OwnerPicker, type OwnerChoice } from './OwnerPicker';

const PER_PAGE = 20;

type OpenDialog =
  | { kind: 'create' }
  | { kind: 'edit'; device: Device }
  | { kind: 'owner'; device: Device }
  | { kind: 'delete'; device: Device }
  | null;

export function AdminDevicesPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [ownerFilter, setOwnerFilter] = useState<OwnerChoice | null>(null);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const { showToast } = useToast();

  const devices = useAsync(
    (signal) => listDevices({ page, per_page: PER_PAGE, owner_id: ownerFilter?.id }, signal),
    [page, ownerFilter?.id],
  );
  const names = useUserNames(devices.data?.items.map((device) => device.owner_id) ?? []);

  function setPage(next: number) {
    const updated = new URLSearchParams(params);
    updated.set('page', String(next));
    setParams(updated);
  }

  function ownerOf(device: Device): OwnerChoice | null {
    if (!device.owner_id) return null;
    return { id: device.owner_id, username: names[device.owner_id] ?? '…' };
  }

  function finish(message: string) {
    setDialog(null);
    showToast({ kind: 'success', title: message, durationMs: 4_000 });
    devices.reload();
  }

  return (
    <section className="page" aria-labelledby="devices-title">
      <div className="page-header">
        <h1 id="devices-title">Devices</h1>
        <button type="button" className="button" onClick={() => setDialog({ kind: 'create' })} data-testid="add-device">
          Add device
        </button>
      </div>

      <div className="toolbar">
        <div className="toolbar-field">
          <OwnerPicker
            label="Show devices of"
            value={ownerFilter}
            onChange={(owner) => {
              setOwnerFilter(owner);
              setPage(1);
            }}
          />
        </div>
      </div>

      {devices.error ? (
        <ErrorState error={devices.error} onRetry={devices.reload} />
      ) : !devices.data ? (
        <Loading label="Loading devices…" />
      ) : devices.data.items.length === 0 ? (
        <EmptyState>{ownerFilter ? `${ownerFilter.username} owns no devices.` : 'No devices yet. Add the first one.'}</EmptyState>
      ) : (
        <div className="table-scroll" aria-busy={devices.loading}>
          <table className="data-table" data-testid="device-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Location</th>
                <th scope="col">Hourly limit</th>
                <th scope="col">Owner</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {devices.data.items.map((device) => (
                <tr key={device.id} data-testid="device-row" data-device-id={device.id}>
                  <th scope="row" data-label="Name">
                    <Link to={`/devices/${device.id}`} data-testid="device-link">
                      {device.name}
                    </Link>
                    {device.description && <small className="muted block">{device.description}</small>}
                  </th>
                  <td data-label="Location">{device.location ?? '—'}</td>
                  <td data-label="Hourly limit">{formatKwh(device.max_hourly_kwh)}</td>
                  <td data-label="Owner" data-testid="device-owner">
                    {device.owner_id ? names[device.owner_id] ?? '…' : <em>No owner</em>}
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="button secondary small" onClick={() => setDialog({ kind: 'edit', device })}>
                        Edit<span className="visually-hidden"> {device.name}</span>
                      </button>
                      <button
                        type="button"
                        className="button secondary small"
                        onClick={() => setDialog({ kind: 'owner', device })}
                        data-testid="assign-owner"
                      >
                        Owner<span className="visually-hidden"> of {device.name}</span>
                      </button>
                      <button
                        type="button"
                        className="button danger small"
                        onClick={() => setDialog({ kind: 'delete', device })}
                        data-testid="delete-device"
                      >
                        Delete<span className="visually-hidden"> {device.name}</span>
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {devices.data && (
        <Pagination page={page} perPage={PER_PAGE} total={devices.data.total} onChange={setPage} label="Device pages" />
      )}

      {dialog?.kind === 'create' && (
        <DeviceFormDialog device={null} onClose={() => setDialog(null)} onSaved={(device) => finish(`${device.name} added`)} />
      )}
      {dialog?.kind === 'edit' && (
        <DeviceFormDialog device={dialog.device} onClose={() => setDialog(null)} onSaved={(device) => finish(`${device.name} saved`)} />
      )}
      {dialog?.kind === 'owner' && (
        <AssignOwnerDialog
          device={dialog.device}
          currentOwner={ownerOf(dialog.device)}
          onClose={() => setDialog(null)}
          onSaved={(device) => finish(`Owner of ${device.name} saved`)}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${dialog.device.name}?`}
          message={
            <p>
              The device leaves every list and its new readings are rejected. Its consumption history and alerts are
              kept.
            </p>
          }
          confirmLabel="Delete device"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await deleteDevice(dialog.device.id);
            finish(`${dialog.device.name} deleted`);
          }}
        />
      )}
    </section>
  );
}

