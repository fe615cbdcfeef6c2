// A BIOS boot sector for the lab VMs' disks: the "installed OS" of a machine whose BMC recon drives. It
// prints one line on the first serial port and then halts for good, ignoring the ACPI power button like
// a machine sitting in firmware does. So a VM with this disk first in its boot order boots it, and only a
// one-time network-boot override makes it PXE boot. Pure: 512 bytes out.

/** The line a VM prints when it booted its disk instead of the network. */
export const DISK_BOOT_MARKER = 'RECON-LAB-DISK-BOOTED';

const LOAD_ADDRESS = 0x7c00;

/** 16-bit real-mode code: DS=0; SI=message; DX=COM1; print bytes until NUL; then hlt forever. */
function code(messageAt: number): number[] {
  return [
    ...[0x31, 0xc0], // xor ax, ax
    ...[0x8e, 0xd8], // mov ds, ax
    ...[0xbe, messageAt & 0xff, messageAt >> 8], // mov si, message
    ...[0xba, 0xf8, 0x03], // mov dx, 0x3f8
    0xac, // next: lodsb
    ...[0x08, 0xc0], // or al, al
    ...[0x74, 0x03], // jz done
    0xee, // out dx, al
    ...[0xeb, 0xf8], // jmp next
    0xf4, // done: hlt
    ...[0xeb, 0xfd], // jmp done
  ];
}

export function bootSector(message = DISK_BOOT_MARKER): Buffer {
  const text = Buffer.from(`\r\n${message}\r\n\0`, 'latin1');
  const codeLength = code(0).length;
  if (codeLength + text.length > 446) throw new Error('boot sector message too long');
  const sector = Buffer.alloc(512);
  Buffer.from(code(LOAD_ADDRESS + codeLength)).copy(sector, 0);
  text.copy(sector, codeLength);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}
