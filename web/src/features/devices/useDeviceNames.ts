import { fetchDevice } from '../../api/endpoints';
import { useNameLookup, type NameCache } from '../../util/useNameLookup';

// NOTE: a device renamed during the page load keeps its old name here until reload.
const deviceNameCache: NameCache = new Map();
const fetchDeviceName = (id: string) => fetchDevice(id).then((device) => device.name);

export function useDeviceNames(ids: readonly (string | null | undefined)[]): Record<string, string> {
  return useNameLookup(ids, deviceNameCache, fetchDeviceName, 'device');
}
