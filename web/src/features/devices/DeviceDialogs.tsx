// Dialogs an administrator uses to create and edit a device and to assign
// its owner.
import { useState, type FormEvent } from 'react';
import { assignDeviceOwner, createDevice, updateDevice } from '../../api/endpoints';
import type { Device } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { FormError, TextField } from '../../components/FormField';
import { describeProblem, NO_PROBLEM, type FormProblem } from '../../util/problem';
import { OwnerPicker, type OwnerChoice } from './OwnerPicker';

const DEVICE_FIELDS = ['name', 'description', 'location', 'max_hourly_kwh', 'owner_id'] as const;

interface DeviceFormDialogProps {
  /** The device to edit, or null to create one. */
  device: Device | null;
  onClose: () => void;
  onSaved: (device: Device) => void;
}

export function DeviceFormDialog({ device, onClose, onSaved }: DeviceFormDialogProps) {
  const [name, setName] = useState(device?.name ?? '');
  const [description, setDescription] = useState(device?.description ?? '');
  const [location, setLocation] = useState(device?.location ?? '');
  const [limit, setLimit] = useState(device ? String(device.max_hourly_kwh) : '');
  const [owner, setOwner] = useState<OwnerChoice | null>(null);
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const limitValue = Number(limit);
    if (limit.trim() === '' || !Number.isFinite(limitValue) || limitValue <= 0) {
      setProblem({ fields: { max_hourly_kwh: 'Enter a limit above 0 kWh.' }, general: [] });
      return;
    }
    setBusy(true);
    setProblem(NO_PROBLEM);
    const fields = {
      name: name.trim(),
      description: description.trim() || null,
      location: location.trim() || null,
      max_hourly_kwh: limitValue,
    };
    try {
      const saved = device
        ? await updateDevice(device.id, fields)
        : await createDevice({ ...fields, ...(owner ? { owner_id: owner.id } : {}) });
      onSaved(saved);
    } catch (error) {
      setProblem(describeProblem(error, DEVICE_FIELDS));
      setBusy(false);
    }
  }

  const idleLabel = device ? 'Save changes' : 'Add device';

  return (
    <Dialog title={device ? `Edit ${device.name}` : 'Add a device'} onClose={onClose} testId="device-dialog">
      <form onSubmit={submit} noValidate className="dialog-form" data-testid="device-form">
        <FormError messages={problem.general} />
        <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={problem.fields.name} required />
        <TextField
          label="Description"
          name="description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={problem.fields.description}
        />
        <TextField
          label="Location"
          name="location"
          value={location}
          onChange={(e) => setLocation(e.target.value)}
          error={problem.fields.location}
        />
        <TextField
          label="Hourly limit (kWh)"
          name="max_hourly_kwh"
          type="number"
          inputMode="decimal"
          min="0"
          step="any"
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          error={problem.fields.max_hourly_kwh}
          hint="An alert is raised when a clock hour's consumption goes above this."
          required
        />
        {!device && <OwnerPicker label="Owner (optional)" value={owner} onChange={setOwner} error={problem.fields.owner_id} />}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy} data-testid="device-save">
            {busy ? 'Saving…' : idleLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface AssignOwnerDialogProps {
  device: Device;
  currentOwner: OwnerChoice | null;
  onClose: () => void;
  onSaved: (device: Device) => void;
}

export function AssignOwnerDialog({ device, currentOwner, onClose, onSaved }: AssignOwnerDialogProps) {
  const [owner, setOwner] = useState<OwnerChoice | null>(currentOwner);
  const [problem, setProblem] = useState<FormProblem>(NO_PROBLEM);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      onSaved(await assignDeviceOwner(device.id, owner?.id ?? null));
    } catch (error) {
      setProblem(describeProblem(error, ['owner_id']));
      setBusy(false);
    }
  }

  const idleLabel = owner ? `Assign to ${owner.username}` : 'Remove the owner';

  return (
    <Dialog title={`Owner of ${device.name}`} onClose={onClose} testId="assign-owner-dialog">
      <form onSubmit={submit} noValidate className="dialog-form">
        <FormError messages={problem.general} />
        <OwnerPicker value={owner} onChange={setOwner} allowNone error={problem.fields.owner_id} />
        <p className="field-hint">
          The new owner sees the device's consumption from now on; the previous owner keeps only the period in which it was
          theirs.
        </p>
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy} data-testid="assign-owner-save">
            {busy ? 'Saving…' : idleLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
