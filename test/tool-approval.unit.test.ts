import { withApproval } from '../workflows';

/** The failure type a call throws with, or undefined when it returns. */
function typeOf(call: () => unknown): string | undefined {
  try {
    call();
    return undefined;
  } catch (err) {
    return (err as { type?: string }).type;
  }
}

const restart = { description: 'Restart a service', execute: async (input: { host: string }) => ({ restarted: input.host }) };

describe('withApproval refuses options it cannot honour, when the tools are built', () => {
  test.each<[string, () => unknown]>([
    ['no options', () => withApproval(restart, undefined as never)],
    ['no name', () => withApproval(restart, { allowLinkHolders: true } as never)],
    ['a blank name', () => withApproval(restart, { name: '  ', allowLinkHolders: true })],
    ['an action of its own', () => withApproval(restart, { name: 'restart', action: { title: 'x' }, allowLinkHolders: true } as never)],
    ['neither approvers nor link holders', () => withApproval(restart, { name: 'restart' })],
    ['an option requestApproval does not take', () => withApproval(restart, { name: 'restart', allowLinkHolders: true, approver: 'me' } as never)],
    ['link holders with a quorum of two', () => withApproval(restart, { name: 'restart', allowLinkHolders: true, quorum: 2 })],
    ['a tool without execute (run by the client)', () => withApproval({ description: 'client-side' } as { execute?: undefined }, { name: 'ask', allowLinkHolders: true })],
  ])('%s: INVALID_CALLBACK_OPTIONS', (_, call) => {
    expect(typeOf(call)).toBe('INVALID_CALLBACK_OPTIONS');
  });

  test('keeps everything else of the tool, and replaces only execute', () => {
    const original = restart.execute;
    const wrapped = withApproval(restart, { name: 'restart', allowLinkHolders: true });
    expect(wrapped.description).toBe(restart.description);
    expect(wrapped.execute).not.toBe(original);
    expect(restart.execute).toBe(original);
  });
});
