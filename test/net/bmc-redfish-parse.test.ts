// Table tests of the Redfish answer parsing and the choices made from it, over answers shaped as iDRAC9,
// iLO 5/6 and Supermicro X12/X13 give them (test/fixtures/bmc), and the edge cases between them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chooseResetType,
  chooseSystem,
  errorMessage,
  linkOf,
  oneTimePxePatch,
  parseActionInfoResetTypes,
  parseInterfaceMac,
  parseMembers,
  parseServiceRoot,
  parseSystem,
  powerOf,
  pxeOnceIsSet,
  taskProgress,
  type PowerIntent,
} from '../../src/net/bmc/redfish/parse.js';
import { VENDORS } from '../fixtures/bmc/redfish-vendors.js';

for (const v of VENDORS) {
  test(`Redfish answers of ${v.name}: root, system, reset types, boot override, error text, MACs`, () => {
    const root = parseServiceRoot(v.root);
    assert.ok(root, 'a service root');
    assert.equal(root.systems, v.systemsPath);
    assert.ok(root.sessions?.startsWith('/redfish/v1/SessionService/Sessions'));

    const members = parseMembers({ Members: [{ '@odata.id': v.systemPath }] });
    assert.deepEqual(chooseSystem(members), { path: v.systemPath });
    assert.deepEqual(chooseSystem(members, v.expect.systemId), { path: v.systemPath });

    const sys = parseSystem(v.system);
    assert.ok(sys);
    assert.equal(sys.id, v.expect.systemId);
    assert.ok(sys.resetTarget?.includes('ComputerSystem.Reset'));
    const resets = sys.allowedResets ?? parseActionInfoResetTypes(v.actionInfo?.body);
    if (!sys.allowedResets)
      assert.equal(sys.resetActionInfo, v.actionInfo?.path, 'allowed values through ActionInfo');
    assert.deepEqual(resets, v.expect.resets);
    assert.equal(sys.boot?.allowedTargets?.includes('Pxe'), v.expect.bootTargetsHavePxe);
    assert.equal(sys.boot?.mode, v.expect.mode);
    assert.equal(sys.identity.vendor, v.expect.vendor);
    assert.equal(sys.identity.model, v.expect.model);

    assert.equal(chooseResetType('on', resets), 'On');
    assert.equal(chooseResetType('force-off', resets), 'ForceOff');
    assert.equal(chooseResetType('graceful-off', resets), 'GracefulShutdown');

    assert.deepEqual(oneTimePxePatch(sys.boot, 'uefi'), {
      body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } },
    });
    assert.deepEqual(oneTimePxePatch(sys.boot, 'auto'), {
      body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } },
    });
    const legacy = oneTimePxePatch(sys.boot, 'legacy');
    assert.ok('body' in legacy);
    assert.equal(legacy.body.Boot.BootSourceOverrideMode, 'Legacy');

    assert.equal(errorMessage(v.alreadyOn.body), v.alreadyOnText);
    assert.deepEqual(
      v.interfaces.map((i) => parseInterfaceMac(i.body)).filter((m) => m !== undefined),
      v.expect.macs,
    );
  });
}

test('reset type per intent, from what the system allows', () => {
  const rows: [PowerIntent, string[] | undefined, string | undefined][] = [
    ['on', undefined, 'On'], // nothing listed: DSP0266 lets any value be tried
    ['on', ['ForceOn', 'ForceOff'], 'ForceOn'],
    ['on', ['PushPowerButton', 'ForceOff'], 'PushPowerButton'],
    ['graceful-off', ['ForceOff', 'PushPowerButton'], 'PushPowerButton'],
    ['graceful-off', ['On', 'ForceOff'], undefined],
    ['force-off', ['On', 'GracefulShutdown'], undefined],
    ['force-off', [], undefined],
  ];
  for (const [intent, allowed, want] of rows)
    assert.equal(
      chooseResetType(intent, allowed),
      want,
      `${intent} among ${allowed?.join(',') ?? 'unlisted'}`,
    );
});

test('one-time PXE patch: missing Boot, Pxe not offered, a mode not offered, no mode property, mode already set', () => {
  assert.deepEqual(oneTimePxePatch(undefined, 'uefi'), {
    error: 'the system has no Boot properties (no boot override)',
  });
  assert.match(
    (oneTimePxePatch({ allowedTargets: ['None', 'Hdd'] }, 'auto') as { error: string }).error,
    /Pxe is not/,
  );
  assert.match(
    (oneTimePxePatch({ mode: 'UEFI', allowedModes: ['UEFI'] }, 'legacy') as { error: string }).error,
    /Legacy is not offered/,
  );
  // a BMC without BootSourceOverrideMode (legacy-only firmware): the mode is not sent at all
  assert.deepEqual(oneTimePxePatch({ target: 'None' }, 'uefi'), {
    body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } },
  });
  assert.deepEqual(oneTimePxePatch({ mode: 'Legacy' }, 'uefi'), {
    body: {
      Boot: {
        BootSourceOverrideTarget: 'Pxe',
        BootSourceOverrideEnabled: 'Once',
        BootSourceOverrideMode: 'UEFI',
      },
    },
  });
  assert.equal(pxeOnceIsSet({ target: 'Pxe', enabled: 'Once' }), true);
  assert.equal(pxeOnceIsSet({ target: 'Pxe', enabled: 'Continuous' }), false);
});

test('power states, links, systems, service roots', () => {
  const rows: [unknown, string][] = [
    ['On', 'on'],
    ['Off', 'off'],
    ['PoweringOn', 'on'],
    ['PoweringOff', 'on'],
    ['Paused', 'on'],
    [undefined, 'unknown'],
    ['on', 'unknown'],
  ];
  for (const [raw, want] of rows) assert.equal(powerOf(raw), want, String(raw));
  assert.equal(linkOf({ '@odata.id': 'https://evil.example/x' }), undefined, 'links only under /redfish/');
  assert.equal(linkOf({ '@odata.id': 42 }), undefined);
  assert.equal(linkOf({ '@odata.id': '/redfish/v1/Systems' }), '/redfish/v1/Systems');
  assert.deepEqual(chooseSystem([]), { error: 'the Systems collection is empty' });
  assert.match(
    (chooseSystem(['/redfish/v1/Systems/a', '/redfish/v1/Systems/b']) as { error: string }).error,
    /several/,
  );
  assert.deepEqual(chooseSystem(['/redfish/v1/Systems/a', '/redfish/v1/Systems/b/'], 'b'), {
    path: '/redfish/v1/Systems/b/',
  });
  assert.equal(parseServiceRoot({ hello: 'world' }), undefined, 'not a service root');
  assert.equal(parseServiceRoot('<html>'), undefined);
  // an old service naming only the SessionService
  assert.equal(
    parseServiceRoot({
      RedfishVersion: '1.0.2',
      SessionService: { '@odata.id': '/redfish/v1/SessionService' },
    })?.sessions,
    '/redfish/v1/SessionService/Sessions',
  );
  assert.equal(parseSystem([1, 2]), undefined);
});

test('error bodies and task states become operator-readable text', () => {
  assert.equal(
    errorMessage({ error: { code: 'Base.1.0.GeneralError', message: 'plain message' } }),
    'plain message',
  );
  assert.equal(errorMessage('Internal Server Error'), undefined);
  assert.equal(
    errorMessage({
      error: { '@Message.ExtendedInfo': [{ Message: 'A', Resolution: 'None' }, { MessageId: 'X.1.B' }] },
    }),
    'A; X.1.B',
  );
  // a hostile BMC's words reach the operator's terminal: no escape sequences, bounded
  assert.equal(
    errorMessage({ error: { message: '\u001b[2J\u001b]0;owned\u0007gone' } }),
    '[2J ]0;owned gone',
  );
  assert.equal(errorMessage({ error: { message: 'x'.repeat(100_000) } })?.length, 256);
  const hostile = parseSystem({
    Actions: {
      '#ComputerSystem.Reset': {
        target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset',
        'ResetType@Redfish.AllowableValues': ['On\u001b[31m', ...Array<string>(10_000).fill('On')],
      },
    },
  });
  assert.equal(hostile?.allowedResets?.length, 64);
  assert.equal(hostile?.allowedResets?.[0], 'On [31m');
  assert.deepEqual(taskProgress({ TaskState: 'Running' }), { kind: 'running' });
  assert.deepEqual(taskProgress({ TaskState: 'Completed', TaskStatus: 'OK' }), { kind: 'done' });
  assert.deepEqual(taskProgress(undefined), { kind: 'done' });
  assert.deepEqual(taskProgress({ TaskState: 'Exception', Messages: [{ Message: 'power supply fault' }] }), {
    kind: 'failed',
    detail: 'power supply fault',
  });
  assert.deepEqual(taskProgress({ TaskState: 'Killed' }), {
    kind: 'failed',
    detail: 'the task ended Killed',
  });
  assert.equal(parseInterfaceMac({ MACAddress: '00:00:00:00:00:00' }), undefined);
  assert.equal(parseInterfaceMac({ MACAddress: 'AA-BB-CC-DD-EE-FF' }), 'aa:bb:cc:dd:ee:ff');
  assert.equal(parseInterfaceMac({ MACAddress: 'not a mac' }), undefined);
});
