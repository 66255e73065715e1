import type { NetworkInterfaceInfo } from 'node:os';
import { pickInterfaceAddress } from './interface-address';

function iface(address: string, extra: Partial<NetworkInterfaceInfo> = {}): NetworkInterfaceInfo {
  const v6 = address.includes(':');
  return {
    address,
    netmask: v6 ? 'ffff:ffff:ffff:ffff::' : '255.255.255.0',
    family: v6 ? 'IPv6' : 'IPv4',
    mac: '02:00:00:00:00:01',
    internal: false,
    cidr: null,
    ...(v6 && { scopeid: 0 }),
    ...extra,
  } as NetworkInterfaceInfo;
}

const machine = {
  lo: [iface('127.0.0.1', { internal: true }), iface('::1', { internal: true })],
  eth0: [
    iface('169.254.10.1'),
    iface('192.168.1.20'),
    iface('fe80::1', { scopeid: 2 }),
    iface('fd12:3456::20'),
  ],
  wlan0: [iface('10.0.0.7'), iface('2001:db8:1::7')],
};

describe(pickInterfaceAddress.name, () => {
  it('should take the first usable IPv4 address, never loopback or link-local', () => {
    expect(pickInterfaceAddress(machine, 'ipv4')).toBe('192.168.1.20');
  });

  it('should prefer a global IPv6 address over a unique-local one', () => {
    expect(pickInterfaceAddress(machine, 'ipv6')).toBe('2001:db8:1::7');
  });

  it('should look only at the named interface', () => {
    expect(pickInterfaceAddress(machine, 'ipv4', 'wlan0')).toBe('10.0.0.7');
    expect(pickInterfaceAddress(machine, 'ipv6', 'eth0')).toBe('fd12:3456::20');
    expect(pickInterfaceAddress(machine, 'ipv4', 'ppp0')).toBeNull();
  });

  it('should say there is none when only loopback and link-local exist', () => {
    expect(
      pickInterfaceAddress({ lo: machine.lo, eth0: [iface('fe80::2', { scopeid: 2 })] }, 'ipv6'),
    ).toBeNull();
  });
});
